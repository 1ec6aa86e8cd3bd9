"""The costliest messages a client can send are answered quickly, without
swallowing the Rasa server's memory (issue 11: one 1,999-letter word took
11.4 s and 3.3 GB, and every channel stalled meanwhile).

Time is compared with ordinary questions answered in the same run, so a slow
or busy machine does not fail the test; memory is the growth of the server's
peak resident set over each message (VmHWM, reset before each one)."""

from __future__ import annotations

import statistics
import time

import pytest
import requests

from tests.worst_inputs import memory_mb, reset_peak, worst_inputs

MAX_GROWTH_MB = 50
ORDINARY = ["does microneedling hurt?", "how long is the downtime", "is it safe for darker skin"]


def reply_seconds(servers, sender: str, text: str) -> float:
    started = time.perf_counter()
    reply = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=120,
    )
    seconds = time.perf_counter() - started
    assert reply.status_code == 200 and reply.json() and all(m.get("text") for m in reply.json())
    return seconds


@pytest.fixture(scope="module")
def ordinary_seconds(servers) -> float:
    for i, text in enumerate(ORDINARY * 2):  # warm-up
        reply_seconds(servers, f"warm-{i}", text)
    return statistics.median(
        reply_seconds(servers, f"ordinary-{i}", ORDINARY[i % 3]) for i in range(9)
    )


@pytest.mark.parametrize("name", list(worst_inputs()))
def test_worst_messages_are_answered_in_bounded_time_and_memory(
    servers, ordinary_seconds, sender, name
) -> None:
    rasa = servers.procs[-1].pid
    reset_peak(rasa)
    before = memory_mb(rasa, "VmRSS")
    seconds = reply_seconds(servers, sender, worst_inputs()[name])
    growth = memory_mb(rasa, "VmHWM") - before
    assert seconds < max(1.0, 10 * ordinary_seconds), (
        f"{seconds:.2f} s (ordinary {ordinary_seconds:.3f} s)"
    )
    assert growth < MAX_GROWTH_MB, f"peak memory grew by {growth:.0f} MB"
    # ... and the server still answers at its usual speed afterwards.
    assert reply_seconds(servers, sender, "does it hurt?") < max(1.0, 10 * ordinary_seconds)
