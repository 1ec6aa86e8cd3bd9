"""Shared fixtures: the trained model, and the real servers on free ports.

The servers are started the way bin/serve starts them (same settings, same
commands), each test session with its own SQLite tracker store in a temp dir.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, List

import pytest

from tests.fake_twilio import FakeTwilio
from tests.servers import NO_RATE_LIMITS, ROOT, Servers, model_file, start_servers, stop

if TYPE_CHECKING:  # imported where used: only the widget's tests need a browser
    from playwright.sync_api import Browser

    from tests.browser import Tab
    from tests.webchat_support import Site

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model for the current data, trained once if it is missing."""
    return model_file()


@pytest.fixture(scope="session")
def servers(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The assistant as `make run` starts it: action server + Rasa server (the
    rate limits raised: the whole suite talks to it from one address)."""
    running, procs = start_servers(
        model_path, tmp_path_factory.mktemp("assistant"), **NO_RATE_LIMITS
    )
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


# The website chat widget's (tests/test_webchat_*.py, tests/webchat_support.py).

@pytest.fixture(scope="session")
def site(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo site with the widget and the assistant behind it, one for all the
    widget's test files (started when the first of them needs it)."""
    from tests.webchat_support import running_site

    with running_site(model_path, tmp_path_factory.mktemp("webchat")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from tests.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def open_tab(browser: Browser, site: Site) -> Iterator[Callable[..., Tab]]:
    """Opens tabs of the site for one test, and closes them after it."""
    from tests.webchat_support import new_tab

    tabs: List[Tab] = []

    def make(path: str = "/", width: int = 1280, height: int = 800) -> Tab:
        tabs.append(new_tab(browser, f"{site.url}{path}", width, height))
        return tabs[-1]

    yield make
    for tab in tabs:
        tab.page.context.close()


@pytest.fixture(scope="module")
def console_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staff console's Django in this process, on its own SQLite database."""
    from tests.console_support import django_in_process

    workdir = tmp_path_factory.mktemp("console-unit")
    django_in_process(workdir)
    return workdir
