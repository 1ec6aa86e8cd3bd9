"""Shared fixtures: the trained model, and the real servers on free ports.

The servers are started the way bin/serve starts them (same settings, same
commands), each test session with its own SQLite tracker store in a temp dir.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from tests.fake_twilio import FakeTwilio
from tests.servers import NO_RATE_LIMITS, ROOT, Servers, model_file, start_servers, stop

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model for the current data, trained once if it is missing."""
    return model_file()


@pytest.fixture(scope="session")
def servers(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The assistant as `make run` starts it: action server + Rasa server (the
    rate limits raised: the whole suite talks to it from one address)."""
    running, procs = start_servers(model_path, tmp_path_factory.mktemp("assistant"), **NO_RATE_LIMITS)
    yield running
    for proc in reversed(procs):
        stop(proc)


@pytest.fixture
def sender() -> str:
    """A fresh conversation id."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    """Twilio's Messages API, faked at the HTTP boundary (one per test module)."""
    fake = FakeTwilio()
    yield fake
    fake.close()
