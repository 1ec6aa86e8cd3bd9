"""The production profile under load and faults: two Rasa servers (each with
its action server) on PostgreSQL and Redis behind nginx (tests/cluster.py).

A shorter version of `make loadtest`, then one fault at a time under load:
what was taken is stored once, in order, and answered; what was refused was
refused out loud; the service comes back by itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
from playwright.sync_api import expect

from tests import sms_support
from tests.cluster import ORIGIN, REST_TOKEN, Cluster, start_cluster
from tests.load_check import Counts, check_all
from tests.load_clients import Conversation, make_conversations, run_conversations
from tests.servers import ROOT, free_port, stop, wait_until_up
from tests.webchat_support import LAUNCHER, bot, new_tab, session_id
from tests.webchat_support import ask as ask_in_widget

FAULT_LOAD = ("rest", "sms")  # patients a dying server cannot strand mid-socket


WEB_PORT = free_port()  # the demo page with the widget, allowed to open the socket
PAGE = f"http://127.0.0.1:{WEB_PORT}"


@pytest.fixture(scope="module")
def cluster(model_path: Path) -> Iterator[Cluster]:
    running = start_cluster(model_path, WEBCHAT_ALLOWED_ORIGINS=f"{ORIGIN},{PAGE}")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def page_behind_the_proxy(cluster: Cluster, tmp_path_factory) -> Iterator[str]:
    """The demo page, its widget talking to the Rasa servers through nginx."""
    log = tmp_path_factory.mktemp("web") / "webchat.log"
    env = {**cluster.instances[0].env, "WEBCHAT_PORT": str(WEB_PORT),
           "RASA_PUBLIC_URL": cluster.proxy().url}
    web = subprocess.Popen([sys.executable, "webchat/serve.py"], cwd=ROOT, env=env,
                           stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"{PAGE}/healthz", web, log, timeout=30)
        yield PAGE
    finally:
        stop(web)


_next = iter(range(10_000, 10**9, 100))


def load(cluster: Cluster, count: int, length: int, channels=("rest", "socketio", "sms"),
         *names: str) -> List[Conversation]:
    conversations = make_conversations(count, length, next(_next), channels)
    asyncio.run(run_conversations(cluster.proxy(*names).url, conversations, cluster.twilio,
                                  cluster.sms_env["SMS_ID_SECRET"]))
    return conversations


def in_background(cluster: Cluster, count: int, length: int) -> tuple:
    result: List[List[Conversation]] = []
    thread = threading.Thread(target=lambda: result.append(load(cluster, count, length,
                                                                 FAULT_LOAD)))
    thread.start()
    return thread, result


def ask(cluster: Cluster, sender: str, message: str, instance: int = -1) -> str:
    """One REST turn, through the proxy (or to one instance); the reply's text."""
    base = (cluster.proxy().url if instance < 0
            else f"http://127.0.0.1:{cluster.instances[instance].rasa_port}")
    reply = requests.post(f"{base}/webhooks/rest/webhook",
                          json={"sender": sender, "message": message},
                          headers={"Authorization": f"Bearer {REST_TOKEN}"}, timeout=60)
    return " ".join(m.get("text", "") for m in reply.json()) if reply.status_code == 200 else ""


def seconds_until_answered(cluster: Cluster, sender: str, limit: float = 60) -> float:
    """How long until a question gets its real answer again (not the clinic's number)."""
    started, probe = time.monotonic(), 0
    while time.monotonic() - started < limit:
        probe += 1  # a new conversation each time: a repeated question gets "As I mentioned"
        if "numbing cream" in ask(cluster, f"{sender}-{probe}", "does microneedling hurt?"):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"no answer within {limit} s")


def assert_clean(counts: Counts, conversations: List[Conversation] = ()) -> None:
    errors = [(c.channel, c.error) for c in conversations if c.error]
    assert counts.messages and counts.clean, (counts, errors)


def test_load_over_both_servers_loses_duplicates_and_reorders_nothing(cluster: Cluster) -> None:
    conversations = load(cluster, 15, 6)
    counts = check_all(cluster, conversations)
    assert_clean(counts, conversations)
    assert counts.refused == 0
    served = cluster.proxy().access_log()
    for instance in cluster.instances:  # round-robin really spread the turns
        assert f"127.0.0.1:{instance.rasa_port}" in served
    rest = next(c for c in conversations if c.channel == "rest")
    assert len(cluster.events(rest.conversation_id)) > 2 * len(rest.messages)


def test_an_sms_conversation_keeps_its_order_across_servers(cluster: Cluster) -> None:
    """Two texts sent at once land on different servers; the second is
    answered after the first, as the numbered option it picks needs."""
    number = "+15559990001"
    sms = type("Proxy", (), {"rasa_url": cluster.proxy().url})
    sms_support.text_in(sms, number, "does microneedling hurt?")
    first = cluster.twilio.wait_for(number, 1, 60)
    assert "Reply 1 for" in first[0]
    sms_support.text_in(sms, number, "how long is the downtime")
    sms_support.text_in(sms, number, "1")
    replies = cluster.twilio.wait_for(number, 3, 60)
    assert len(replies) == 3 and "Reply 1 for" in replies[1]
    assert replies[2] != replies[1]


def test_action_servers_killed_patients_get_the_number_then_answers_resume(
    cluster: Cluster,
) -> None:
    for instance in cluster.instances:
        instance.kill_actions()
    try:
        reply = ask(cluster, "fault-actions", "does microneedling hurt?")
        assert cluster.clinic_phone in reply
    finally:
        for instance in cluster.instances:
            instance.start_actions()
    assert seconds_until_answered(cluster, "fault-actions") < 10


def test_a_rasa_server_killed_under_load_the_other_serves_and_conversations_continue(
    cluster: Cluster,
) -> None:
    ask(cluster, "fault-kill", "does microneedling hurt?")
    thread, result = in_background(cluster, 8, 10)
    time.sleep(3)
    cluster.instances[1].kill_rasa()
    thread.join(timeout=300)
    try:
        counts = check_all(cluster, result[0])
        # A reply the gateway took from the server as it died, before the outbox
        # recorded it, goes out again from the other (docs/deploy.md): at most
        # one per SMS conversation; nothing lost or out of order.
        sms = sum(1 for c in result[0] if c.channel == "sms")
        assert counts.messages and not counts.lost and not counts.reordered, counts
        assert counts.duplicated <= sms, counts
        # The conversation from before goes on, on the server left, with its context.
        again = ask(cluster, "fault-kill", "does microneedling hurt?")
        assert "As I mentioned" in again or "numbing" in again
        users = [e for e in cluster.events("fault-kill") if e["event"] == "user"]
        assert len(users) == 2
    finally:
        cluster.instances[1].start_rasa(cluster.model)


def test_postgres_restarted_under_load_answers_resume_and_nothing_is_half_written(
    cluster: Cluster,
) -> None:
    thread, result = in_background(cluster, 8, 10)
    time.sleep(3)
    cluster.restart_postgres(down_seconds=3)
    resumed = seconds_until_answered(cluster, "fault-postgres")
    thread.join(timeout=300)
    print(f"answers resumed {resumed:.1f} s after PostgreSQL was back")
    assert resumed < 15
    assert_clean(check_all(cluster, result[0]))
    for convo in result[0]:  # every stored turn is whole: its user message, then listening
        events = cluster.events(convo.conversation_id)
        kinds = [e["event"] for e in events]
        assert kinds[-1] == "action" and events[-1]["name"] == "action_listen", kinds[-5:]


def test_redis_restarted_under_load_answers_resume(cluster: Cluster) -> None:
    thread, result = in_background(cluster, 8, 10)
    time.sleep(3)
    cluster.redis.kill()
    time.sleep(2)
    cluster.redis.start()
    resumed = seconds_until_answered(cluster, "fault-redis")
    thread.join(timeout=300)
    print(f"answers resumed {resumed:.1f} s after Redis was back")
    assert resumed < 15
    assert_clean(check_all(cluster, result[0]))


def test_the_gateway_failing_a_minute_replies_are_retried_and_sent_once(cluster: Cluster) -> None:
    numbers = [f"+1555888{n:04d}" for n in range(3)]
    sms = type("Proxy", (), {"rasa_url": cluster.proxy().url})
    before = cluster.twilio.attempts
    cluster.twilio.fail_until = time.time() + 60
    for number in numbers:
        sms_support.text_in(sms, number, "does microneedling hurt?")
    time.sleep(20)
    assert all(cluster.twilio.messages_to(n) == [] for n in numbers)
    # A server dying meanwhile loses nothing: the replies wait in the database.
    cluster.instances[0].kill_rasa()
    cluster.instances[0].start_rasa(cluster.model)
    for number in numbers:
        assert len(cluster.twilio.wait_for(number, 1, 120)) == 1
    time.sleep(5)  # a duplicate would come now
    assert all(len(cluster.twilio.messages_to(n)) == 1 for n in numbers)
    assert cluster.twilio.attempts - before > 2 * len(numbers)  # retried, with back-off


def closed_websockets(cluster: Cluster, instance: int) -> int:
    """Websockets to `instance` that have ended (nginx logs one when it closes)."""
    upstream = f"127.0.0.1:{cluster.instances[instance].rasa_port}"
    return sum(1 for line in cluster.proxy().access_log().splitlines()
               if '"GET /socket.io/" 101' in line and line.endswith(upstream))


def test_the_widget_resumes_its_conversation_on_the_other_server_when_its_own_dies(
    cluster: Cluster, page_behind_the_proxy: str, browser
) -> None:
    tab = new_tab(browser, page_behind_the_proxy)
    page = tab.page
    try:
        page.get_by_role("button", name=LAUNCHER).click()
        ask_in_widget(page, "does microneedling hurt?")
        # Its greeting is answered first: wait for the question's answer too.
        expect(bot(page, "numbing cream")).to_be_visible(timeout=30_000)
        conversation = session_id(page).split(".")[0]
        asked = ["does microneedling hurt?"]
        for victim, question in enumerate(["how long is the downtime", "can i wear makeup after"]):
            before = closed_websockets(cluster, victim)
            cluster.instances[victim].kill_rasa()
            try:
                # If its socket was there, the widget reconnects by itself, to the
                # server left, and sends again what had no answer: at once when
                # the proxy closes the socket, else once socket.io's pings go
                # unanswered (channels/socketio.py: at most 20 s).
                ask_in_widget(page, question, timeout=60_000)
                asked.append(question)
                moved = closed_websockets(cluster, victim) > before
            finally:
                cluster.instances[victim].start_rasa(cluster.model)
            if moved:  # its socket was on the server that died, and it went on on the other
                break
        assert moved
        assert session_id(page).split(".")[0] == conversation  # the same conversation
        users = [e["text"] for e in cluster.events(conversation)
                 if e["event"] == "user" and not e["text"].startswith("/")]  # not its greeting
        assert users == asked
    finally:
        page.context.close()
