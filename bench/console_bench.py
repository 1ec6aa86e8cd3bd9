"""Benchmark of the staff console on a large tracker store: prints figures,
asserts nothing.

    python -m bench.console_bench [--conversations 10000] [--events 200000] [--requests 50]

In one run, on this machine:
- generates a tracker store (SQLite in a temp dir, Rasa's `events` columns)
  with 10,000 conversations and 200,000 events shaped like the assistant's
  (sessions opened by action_session_start and the notice, user / bot / action
  / slot events, web, SMS and REST, urgent, call-back and fallback turns,
  timestamps over six months), plus SMS opt-outs and encrypted call-back numbers;
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
import random
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

from clinic.sms_schema import CALLBACKS, METADATA, OPT_OUTS
from tests.console_support import console_env, manage, sign_in
from tests.servers import ROOT, VENV_BIN, stop, wait_until_up
from tests.tracker_events import TrackerWriter, rows, session_start, turn

DAY = 86400.0
SPAN_DAYS = 182
CHANNELS = [("socketio", 0.60), ("sms", 0.25), ("rest", 0.15)]
FAQ = [
    ("does microneedling hurt?", "ask_pain", "pain"),
    ("is it painful", "ask_pain", "pain"),
    ("how long is the downtime", "ask_downtime", "downtime"),
    ("how red will my face be after", "ask_downtime", "downtime"),
    ("what are the side effects", "ask_side_effects", "side_effects"),
    ("how many sessions will I need?", "ask_sessions", "sessions"),
    ("does it work for acne scars", "ask_conditions_treated", "conditions_treated"),
    ("is it safe for dark skin", "ask_pigmentation_risk", "pigmentation_risk"),
    ("do home rollers work", "ask_at_home_rollers", "at_home_rollers"),
    ("what should I do after the treatment", "ask_aftercare", "aftercare"),
    ("how deep do the needles go on my forehead", "ask_needle_depth", "needle_depth"),
    ("when will I see results", "ask_results", "results"),
    ("who should not have microneedling", "ask_contraindications", "contraindications"),
    ("is it better than a chemical peel", "ask_vs_other_treatments", "vs_other_treatments"),
    ("can it help hair loss", "ask_hair_loss", "hair_loss"),
    ("who does the treatment", "ask_provider", "provider"),
    ("what is microneedling", "ask_what_is", "what_is"),
    ("how does it work", "ask_how_it_works", "how_it_works"),
]
SMALL_TALK = [("hi", "greet", "utter_greet"), ("thanks", "thank", "utter_thank"),
              ("bye", "goodbye", "utter_goodbye")]
URGENT = ["my face is swollen and oozing pus", "I have a fever since the treatment",
          "the redness is spreading and it really hurts"]
CALLBACK = ["can someone call me back", "I want to speak to a person", "can I book an appointment"]
MISSED = ["kazoo", "tell me about it", "asdf", "what about the thing", "banana bread recipe"]
PERSONAL = ["my name is Alex Smith, call me on 555-01{n:02d}",
            "email me at alex{n}@example.org please"]


def pick(rng: random.Random, weighted: List[Tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def conversation_turns(rng: random.Random, channel: str, start: float, budget: int) -> List[dict]:
    """One conversation's events, about `budget` of them."""
    events = session_start(start, channel)
    moment = start + 1
    kind = rng.random()
    special = ("urgent" if kind < 0.05 else "callback" if kind < 0.13
               else "missed" if kind < 0.28 else "")
    while len(events) < budget - 4:
        moment += rng.uniform(5, 90)
        roll = rng.random()
        if special and (roll < 0.35 or len(events) > budget - 12):
            what, special = special, ""
        else:
            what = ("faq" if roll < 0.8 else "small" if roll < 0.9
                    else "personal" if roll < 0.93 else "unsure")
        if what == "urgent":
            events += turn(moment, rng.choice(URGENT), "urgent_symptom", rng.uniform(0.9, 1.0),
                           channel, action="utter_urgent_symptom",
                           utter_action="utter_urgent_symptom",
                           slots={"urgent_flagged": True})
        elif what == "callback":
            events += turn(moment, rng.choice(CALLBACK), "request_human", rng.uniform(0.8, 1.0),
                           channel, action="utter_request_human",
                           utter_action="utter_request_human",
                           slots={"callback_requested": True})
        elif what == "missed":
            events += turn(moment, rng.choice(MISSED), "nlu_fallback", 0.3, channel,
                           action="action_fallback", utter_action="utter_nlu_fallback",
                           ranking=["ask_pain", "ask_what_is"])
        elif what == "small":
            text, intent, action = rng.choice(SMALL_TALK)
            events += turn(moment, text, intent, rng.uniform(0.85, 1.0), channel, action=action,
                           utter_action=action)
        else:
            text, intent, entry = rng.choice(FAQ)
            if what == "personal":
                text = rng.choice(PERSONAL).format(n=rng.randrange(100)) + ", " + text
            confidence = rng.uniform(0.3, 0.49) if what == "unsure" else rng.uniform(0.8, 1.0)
            events += turn(moment, text, intent, confidence, channel, kb_entry=entry,
                           slots={"last_topic": entry})
    return events


def generate(url: str, conversations: int, total_events: int, seed: int = 7) -> Dict[str, int]:
    """Writes the store; returns counts of what it holds."""
    rng = random.Random(seed)
    now = time.time()
    writer = TrackerWriter(url)
    starts = sorted(now - rng.uniform(0, SPAN_DAYS * DAY) for _ in range(conversations))
    chunks: List[Tuple[float, str, List[dict]]] = []
    produced, sms_senders = 0, []
    for i, start in enumerate(starts):
        channel = pick(rng, CHANNELS)
        sender = ("sms-" + uuid.UUID(int=rng.getrandbits(128)).hex if channel == "sms"
                  else uuid.UUID(int=rng.getrandbits(128)).hex)
        if channel == "sms":
            sms_senders.append(sender)
        budget = round((total_events - produced) / (conversations - i))
        budget = max(9, min(60, int(rng.gauss(budget, budget / 3))))
        if i == conversations - 1:
            budget = total_events - produced
        events = conversation_turns(rng, channel, start, budget)
        if i == conversations - 1:
            events = events[:budget] + [
                {**events[-1], "timestamp": events[-1]["timestamp"] + n}
                for n in range(budget - len(events))]
        produced += len(events)
        chunks.append((start, sender, events))
    batch: List[dict] = []
    for _, sender, events in sorted(chunks, key=lambda c: c[0]):
        batch += rows(sender, events)
        if len(batch) >= 5000:
            writer.insert(batch)
            batch = []
    writer.insert(batch)
    # the SMS channel's tables: some numbers opted out, flagged ones kept encrypted
    fernet = Fernet(Fernet.generate_key())
    METADATA.create_all(writer.engine)
    opted = rng.sample(sms_senders, k=max(1, len(sms_senders) // 30))
    flagged = rng.sample(sms_senders, k=max(1, len(sms_senders) // 10))
    with writer.engine.begin() as db:
        db.execute(OPT_OUTS.insert(), [{"conversation_id": s, "opted_out_at": now} for s in opted])
        db.execute(CALLBACKS.insert(), [{
            "conversation_id": s, "number_encrypted": fernet.encrypt(b"+15550100100").decode(),
            "reason": "call-back", "flagged_at": now} for s in flagged])
    with writer.engine.connect() as db:
        stored = db.execute(sa.text("SELECT COUNT(*), COUNT(DISTINCT sender_id) FROM events")).one()
    return {"events": stored[0], "conversations": stored[1], "sms_opt_outs": len(opted)}


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
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        workdir = Path(tmp)
        tracker_db = workdir / "tracker.db"
        started = time.perf_counter()
        counts = generate(f"sqlite:///{tracker_db}", args.conversations, args.events)
        generated = time.perf_counter() - started
        print(f"generated {counts['events']} events in {counts['conversations']} conversations "
              f"({counts['sms_opt_outs']} SMS opt-outs) in {generated:.1f} s", flush=True)

        env = console_env(workdir, tracker_db, CONSOLE_LOG_LEVEL="WARNING")
        # pages staff read; admins need a second factor
        manage(env, "create_staff_user", "--username", "bench", "--role", "staff",
               STAFF_PASSWORD="bench-password-long")
        started = time.perf_counter()
        output = manage(env, "index_conversations").stdout.strip()
        index_wall = time.perf_counter() - started
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
            writer = TrackerWriter(f"sqlite:///{tracker_db}")
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
    print(f"\nfirst index build: {output.split(' in ')[-1]}; console peak memory {memory:.0f} MB")
    targets = {name: percentile(t, 0.95) for name, t, _ in results}
    ok = all(targets[n] < 300 for n in ("list page", "filtered search (flag+channel+text)"))
    print(f"target list and filtered search p95 < 300 ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
