"""Load test of the production profile: `make loadtest` (`python -m bench.loadtest`).

Starts two Rasa servers (each with an action server) on PostgreSQL and Redis
behind nginx, all on loopback (tests/cluster.py), and the faked Twilio API.
Then, for one server behind the proxy and for both, N concurrent patients
each send M messages over REST, socket.io and SMS in turn; afterwards the
events table and the SMS outbox are checked (bench/load_check.py). It ends
with one line:

    loadtest: <N> messages, lost <n>, duplicated <n>, reordered <n>, two/one throughput <x.xx>

and exits 1 when any count is not 0. `--table` also times 1, 10 and 50
concurrent conversations on one and two servers, in the same run, and prints
the table docs/benchmarks.md shows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import List, Tuple

import requests

from tests.cluster import REST_TOKEN, Cluster, start_cluster
from tests.load_check import Counts, check_all
from tests.load_clients import Conversation, make_conversations, run_conversations
from tests.servers import model_file

WARM_UP = ["hello", "does microneedling hurt?", "how long is the downtime"]


def warm_up(cluster: Cluster) -> None:
    """A server's first turns build its TensorFlow graphs (seconds): not load."""
    for instance in cluster.instances:
        for message in WARM_UP:
            requests.post(f"http://127.0.0.1:{instance.rasa_port}/webhooks/rest/webhook",
                          json={"sender": f"warm-up-{instance.name}", "message": message},
                          headers={"Authorization": f"Bearer {REST_TOKEN}"}, timeout=120)


class Phase:
    """One load on one proxy: its conversations, wall time and latencies."""

    def __init__(self, cluster: Cluster, servers: Tuple[str, ...], count: int, length: int,
                 start: int, pause: bool = False) -> None:
        self.label = "two" if len(servers) > 1 else "one"
        self.proxy = cluster.proxy(*servers)
        self.conversations: List[Conversation] = make_conversations(
            count, length, start, pause=pause)
        self.seconds = 0.0
        self.cluster = cluster

    def run(self) -> Phase:
        self.seconds = asyncio.run(run_conversations(
            self.proxy.url, self.conversations, self.cluster.twilio,
            self.cluster.sms_env["SMS_ID_SECRET"]))
        return self

    @property
    def messages(self) -> int:
        return sum(len(c.messages) for c in self.conversations)

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        latencies = sorted(x for c in self.conversations for x in c.latencies)
        if not latencies:
            return float("nan")
        return statistics.quantiles(latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def summary(counts: Counts, ratio: float) -> str:
    return (f"loadtest: {counts.messages} messages, lost {counts.lost}, "
            f"duplicated {counts.duplicated}, reordered {counts.reordered}, "
            f"two/one throughput {ratio:.2f}")


def table(cluster: Cluster, length: int, start: int) -> Tuple[List[str], Counts]:
    """Each row twice: patients who pause 1-3 s to read each answer (the
    latency they see; bench/bench.py's target scenario), and patients who
    never pause (what the servers can take: throughput)."""
    counts, lines = Counts(), [
        "| concurrent | servers | paced p50 ms | paced p95 ms | flat-out msg/s "
        "| flat-out p50 ms | flat-out p95 ms |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for concurrent in (1, 10, 50):
        rates = {}
        for servers in (("rasa1",), ("rasa1", "rasa2")):
            paced = Phase(cluster, servers, concurrent, length, start, pause=True).run()
            flat = Phase(cluster, servers, concurrent, length, start + concurrent).run()
            start += 2 * concurrent
            for phase in (paced, flat):
                counts.add(check_all(cluster, phase.conversations))
            rates[flat.label] = flat.throughput
            lines.append(f"| {concurrent} | {flat.label} | {paced.percentile(50):.0f} | "
                         f"{paced.percentile(95):.0f} | {flat.throughput:.1f} | "
                         f"{flat.percentile(50):.0f} | {flat.percentile(95):.0f} |")
        lines.append(f"| {concurrent} | two/one | | | {rates['two'] / rates['one']:.2f} | | |")
    return lines, counts


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--table", action="store_true",
                        help="also time 1, 10 and 50 concurrent conversations on one and two")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cluster = start_cluster(model_file())
    try:
        print(f"cluster up in {time.monotonic() - started:.0f} s: 2 Rasa servers, PostgreSQL, "
              "Redis, nginx", flush=True)
        warm_up(cluster)
        one = Phase(cluster, ("rasa1",), args.conversations, args.messages, 0).run()
        two = Phase(cluster, ("rasa1", "rasa2"), args.conversations, args.messages,
                    args.conversations).run()
        counts = Counts()
        for phase in (one, two):
            found = check_all(cluster, phase.conversations)
            counts.add(found)
            print(f"  {phase.label}: {phase.messages} messages in {phase.seconds:.1f} s, "
                  f"{phase.throughput:.1f}/s, p50 {phase.percentile(50):.0f} ms, "
                  f"p95 {phase.percentile(95):.0f} ms; lost {found.lost}, duplicated "
                  f"{found.duplicated}, reordered {found.reordered}", flush=True)
            for convo in phase.conversations:
                if convo.error:
                    print(f"    {convo.channel} client stopped: {convo.error}")
            for detail in found.details[:5]:
                print(f"    {detail[:300]}")
        if args.table:
            lines, more = table(cluster, args.messages, 2 * args.conversations)
            counts.add(more)
            print("\n".join(lines))
        print(summary(counts, two.throughput / one.throughput if one.throughput else 0.0))
        if counts.refused:
            print(f"loadtest: {counts.refused} messages refused (a server failed without a fault)")
        return 0 if counts.clean and not counts.refused else 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
