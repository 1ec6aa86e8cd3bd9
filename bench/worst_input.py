"""What the costliest messages cost the running Rasa server: prints figures, asserts nothing.

    python -m bench.worst_input

Starts the assistant as `make run` does, then sends, over REST, ordinary
questions (the baseline, in the same run) and each message of
tests/worst_inputs.py, timing the reply and reading the Rasa server's resident
memory (VmRSS) before each and its peak (VmHWM, reset before each) after.
Target (issue 11): each answered in under a second, under 50 MB of growth.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import requests

from tests.servers import NO_RATE_LIMITS, model_file, start_servers, stop
from tests.worst_inputs import memory_mb, reset_peak, worst_inputs

ORDINARY = ["does microneedling hurt?", "how long is the downtime", "is it safe for darker skin"]


def reply_seconds(url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    requests.post(url, json={"sender": sender, "message": text}, timeout=600).raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        servers, procs = start_servers(model_file(), Path(work), **NO_RATE_LIMITS)
        rasa = procs[-1].pid
        url = f"{servers.rasa_url}/webhooks/rest/webhook"
        try:
            for i, text in enumerate(ORDINARY * 2):  # warm-up: TF graphs, caches
                reply_seconds(url, f"warm-{i}", text)
            baseline = [reply_seconds(url, f"base-{i}", ORDINARY[i % 3]) for i in range(30)]
            print("worst-case messages, Rasa server over REST (one run, this machine)")
            print(
                f"  {'baseline: ordinary question (median of 30)':<44} "
                f"{statistics.median(baseline):7.3f} s"
            )
            for name, text in worst_inputs().items():
                reset_peak(rasa)
                before = memory_mb(rasa)
                seconds = reply_seconds(url, f"worst-{name}", text)
                peak = memory_mb(rasa, "VmHWM")
                print(f"  {name:<44} {seconds:7.3f} s   RSS {before:6.0f} MB, peak {peak:6.0f} MB "
                      f"({peak - before:+.0f} MB)")
            print("  target: each under 1 s, under 50 MB of growth")
        finally:
            for proc in reversed(procs):
                stop(proc)


if __name__ == "__main__":
    main()
