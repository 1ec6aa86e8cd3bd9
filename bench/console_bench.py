"""Benchmark of the staff console on a large tracker store: prints figures,
asserts nothing.

    python -m bench.console_bench [--database sqlite|postgresql] [--conversations 10000]
                                  [--events 20 a conversation] [--requests 50]

In one run, on this machine:
- generates a tracker store (bench/console_data.py) with --conversations
  conversations and --events events: on SQLite in a temp dir, or on a
  throwaway PostgreSQL cluster that the bench starts on loopback from Debian's
  package (tests/postgres.py), which then holds the console's database too;
- builds the console's summary index from scratch on a fresh console
  database (`manage.py index_conversations`) and times it;
- starts the console (console/serve.py), signs in, and measures p50/p95 over
  --requests requests each of: the list page, a filtered search (flag +
  channel + free text), the follow-up queue, a transcript, and as a baseline
  in the same run the /healthz URL (same server and middleware, no page);
- adds a few new conversations and times the list request that indexes them.
Target: list and filtered search p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import requests

from bench.console_data import generate
from tests.console_support import console_env, manage, sign_in
from tests.postgres import postgres_with
from tests.servers import ROOT, VENV_BIN, stop, wait_until_up
from tests.tracker_events import TrackerWriter, session_start, turn


@contextlib.contextmanager
def databases(kind: str, workdir: Path) -> Iterator[Dict[str, str]]:
    """The tracker store's and the console's database URLs, on SQLite files or
    on a PostgreSQL server started for this run (and stopped after it)."""
    if kind == "sqlite":
        yield {"TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
               "CONSOLE_DATABASE_URL": f"sqlite:///{workdir / 'console.db'}"}
        return
    with postgres_with("rasa", "console") as server:
        yield {"TRACKER_STORE_URL": server.url("rasa"),
               "CONSOLE_DATABASE_URL": server.url("console")}


def analyze(url: str) -> None:
    """Table statistics after a bulk load, as autovacuum gathers them within a
    minute: without them PostgreSQL plans the first queries on guesses."""
    if url.startswith("postgresql"):
        with TrackerWriter(url).engine.connect() as db:
            db.exec_driver_sql("ANALYZE")


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(
    name: str, count: int, request: Callable[[int], requests.Response]
) -> Tuple[str, List[float], str]:
    """Timings of `count` requests after a warm-up, and what the last page held."""
    for i in range(3):  # warm-up: connections, template caches
        request(i)
    timings = []
    for i in range(count):
        started = time.perf_counter()
        reply = request(i)
        timings.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (name, reply.status_code, reply.url)
    total = re.search(r"\(([\d]+) in all\)|>(\d+) in all<", reply.text)
    held = next((g for g in total.groups() if g), "") + " matching" if total else ""
    return name, timings, held


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=0, help="default: 20 a conversation")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    total_events = args.events or 20 * args.conversations

    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp, \
            databases(args.database, Path(tmp)) as urls:
        workdir = Path(tmp)
        tracker_url = urls["TRACKER_STORE_URL"]
        started = time.perf_counter()
        counts = generate(tracker_url, args.conversations, total_events)
        analyze(tracker_url)
        generated = time.perf_counter() - started
        print(f"{args.database}: generated {counts['events']} events in "
              f"{counts['conversations']} conversations ({counts['sms_opt_outs']} SMS opt-outs) "
              f"in {generated:.1f} s", flush=True)

        env = console_env(workdir, workdir / "tracker.db", CONSOLE_LOG_LEVEL="WARNING", **urls)
        # pages staff read; admins need a second factor
        manage(env, "create_staff_user", "--username", "bench", "--role", "staff",
               STAFF_PASSWORD="bench-password-long")
        started = time.perf_counter()
        output = manage(env, "index_conversations").stdout.strip()
        index_wall = time.perf_counter() - started
        # KiB; of the children waited for so far, the largest: the index build
        index_memory = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        analyze(urls["CONSOLE_DATABASE_URL"])
        print(f"first index build: {output} ({index_wall:.1f} s with the command's start-up)",
              flush=True)

        log = workdir / "console.log"
        proc = subprocess.Popen([str(VENV_BIN / "python"), "console/serve.py"], cwd=ROOT, env=env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{env['CONSOLE_PORT']}"
        try:
            wait_until_up(f"{url}/healthz", proc, log, timeout=300)
            session, login = sign_in(url, "bench", "bench-password-long")
            assert login.status_code == 302, login.text[:500]
            page = session.get(f"{url}/conversations/").text
            labels = re.findall(r'href="/conversations/([a-z2-7-]+)/"', page)
            words = ["swollen", "fever", "pus", "spreading"]
            results = [
                measure("baseline /healthz", args.requests,
                        lambda i: session.get(f"{url}/healthz")),
                measure("list page", args.requests,
                        lambda i: session.get(f"{url}/conversations/", params={"page": 1 + i % 5})),
                measure("filtered search (flag+channel+text)", args.requests, lambda i: session.get(
                    f"{url}/conversations/",
                    params={"flag": "urgent", "channel": "sms", "q": words[i % 4]})),
                measure("follow-up queue", args.requests,
                        lambda i: session.get(f"{url}/followups/")),
                measure("transcript", args.requests,
                        lambda i: session.get(f"{url}/conversations/{labels[i % len(labels)]}/")),
            ]
            # new events arrive: the next list request indexes them first
            writer = TrackerWriter(tracker_url)
            for n in range(5):
                writer.add(f"bench-new-{n}", session_start(time.time(), "socketio")
                           + turn(time.time(), "does it hurt", "ask_pain", 0.99, "socketio",
                                  kb_entry="pain"))
            started = time.perf_counter()
            assert session.get(f"{url}/conversations/").status_code == 200
            incremental = (time.perf_counter() - started) * 1000
            memory = peak_memory_mb(proc.pid)
        finally:
            stop(proc)

    print(f"\n{'request':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, timings, held in results:
        print(f"{name:40} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
              f"{max(timings):8.1f}  {held}")
    print(f"{'list page after 45 new events (indexed)':40} {incremental:8.1f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ngenerated in {generated:.1f} s (peak memory {own:.0f} MB); first index build: "
          f"{output.split(' in ')[-1]} (peak memory {index_memory:.0f} MB); "
          f"console peak memory {memory:.0f} MB")
    targets = {name: percentile(t, 0.95) for name, t, _ in results}
    ok = all(targets[n] < 300 for n in ("list page", "filtered search (flag+channel+text)"))
    print(f"target list and filtered search p95 < 300 ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
