"""Benchmark of the running assistant: prints figures, asserts nothing.

    python -m bench.bench [--skip-train] [--requests 200]

Measures, on this machine and in one run:
- model training time (a forced `rasa train` into a temp folder);
- start-up time of the action server and the Rasa server until they answer;
- REST reply latency p50/p95 for 1 conversation and for 10 concurrent ones
  (patients pausing 1-3 s between messages, as people typing do; and, as a
  stress figure, with no pause at all), with a baseline in the same run: the
  channel's health URL, which crosses the same HTTP stack without NLU,
  dialogue or action server;
- peak memory (VmHWM) of each server.
Targets (issue 3): start-up < 30 s, p95 < 150 ms at 10 concurrent, Rasa < 1.5 GB.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List

import requests

from tests.servers import (
    NO_RATE_LIMITS,
    ROOT,
    VENV_BIN,
    base_env,
    model_file,
    start_servers,
    stop,
)

# A patient reads the reply and types the next message: 1-3 s is quick typing.
PATIENT_PAUSE = (1.0, 3.0)
MESSAGES = [
    "does microneedling hurt?",
    "how long is the downtime",
    "how many sessions will I need",
    "what about my forehead?",
    "is it safe for darker skin",
    "thanks!",
]


def percentile(values: List[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def conversations(url: str, name: str, turns: int, pause: tuple = (0, 0)) -> List[float]:
    """Reply times of `turns` messages, as patients asking MESSAGES in order,
    a new conversation every len(MESSAGES) turns (real conversations are short),
    pausing a random time in `pause` (seconds) before each message."""
    session = requests.Session()
    rng = random.Random(name)
    out = []
    for i in range(turns):
        time.sleep(rng.uniform(*pause))
        body = {"sender": f"{name}-{i // len(MESSAGES)}", "message": MESSAGES[i % len(MESSAGES)]}
        out.append(
            timed(lambda body=body: session.post(url, json=body, timeout=60).raise_for_status())
        )
    return out


def train_time() -> float:
    """A full `rasa train` with an empty Rasa cache (no component reused)."""
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        started = time.monotonic()
        subprocess.run(
            [str(VENV_BIN / "rasa"), "train", "--force", "--data", "data/nlu", "data/rules",
             "data/stories", "--out", out],
            cwd=ROOT, env=base_env(RASA_CACHE_DIRECTORY=cache), check=True, capture_output=True,
        )
        return time.monotonic() - started


def row(name: str, values: List[float], baseline: float) -> str:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return (
        f"  {name:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
        f"({p95 / baseline:5.1f}x baseline p95)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the assistant")
    parser.add_argument("--skip-train", action="store_true", help="don't time a training run")
    parser.add_argument("--requests", type=int, default=120, help="messages per scenario")
    args = parser.parse_args()

    print("microneedling assistant benchmark")
    if not args.skip_train:
        print(f"  model training (forced, 2 cores)   {train_time():7.1f} s")
    model = model_file()
    with tempfile.TemporaryDirectory() as work:
        started = time.monotonic()
        # Latency, not throttling: the REST rate limits and turn cap out of the way.
        servers, procs = start_servers(model, Path(work), **NO_RATE_LIMITS)
        startup = time.monotonic() - started
        try:
            webhook = f"{servers.rasa_url}/webhooks/rest/webhook"
            health = f"{servers.rasa_url}/webhooks/rest/"
            conversations(webhook, "warm-up", len(MESSAGES))  # first calls build TF graphs
            baseline = [
                timed(lambda: requests.get(health, timeout=10)) for _ in range(args.requests)
            ]
            single = conversations(webhook, "bench-single", args.requests)
            per_user = max(1, args.requests // 10)

            def ten_at_once(pause: tuple) -> tuple:
                started = time.monotonic()
                with ThreadPoolExecutor(max_workers=10) as pool:
                    runs = list(
                        pool.map(
                            lambda i: conversations(webhook, f"bench-{pause}-{i}", per_user, pause),
                            range(10),
                        )
                    )
                return [v for r in runs for v in r], time.monotonic() - started

            typing, _ = ten_at_once(PATIENT_PAUSE)
            stress, stress_seconds = ten_at_once((0, 0))
            base_p95 = percentile(baseline, 95)
            print(f"  start-up until both servers answer {startup:7.1f} s   (target < 30 s)")
            print(f"  REST latency, {args.requests} messages per scenario:")
            print(row("baseline: channel health URL", baseline, base_p95))
            print(row("1 conversation", single, base_p95))
            print(
                row("10 concurrent, pausing 1-3 s", typing, base_p95) + "   (target p95 < 150 ms)"
            )
            print(row("10 concurrent, no pause (stress)", stress, base_p95))
            print(
                f"  10-concurrent (pausing) / 1 p95    "
                f"{percentile(typing, 95) / percentile(single, 95):7.2f}"
            )
            print(
                f"  throughput, no pause               "
                f"{len(stress) / stress_seconds:7.1f} messages/s"
            )
            print(f"  mean reply                         {statistics.mean(single):7.1f} ms")
            action_proc, rasa_proc = procs
            print(f"  peak memory, action server         {peak_rss_mb(action_proc.pid):7.0f} MB")
            print(
                f"  peak memory, Rasa server           "
                f"{peak_rss_mb(rasa_proc.pid):7.0f} MB   (target < 1536 MB)"
            )
        finally:
            for proc in reversed(procs):
                stop(proc)


if __name__ == "__main__":
    main()
