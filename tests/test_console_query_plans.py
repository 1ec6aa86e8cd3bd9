"""The list page and the follow-up queue read the summary table through
indexes, on PostgreSQL: no query of theirs reads a conversation only to
discard it. At 100,000 conversations such a query costs 20-60 ms, and the
list page made three on every request (docs/benchmarks.md, issue 17).

The console's own code renders the pages in a console process against a
throwaway PostgreSQL (tests/postgres.py); every query that touches the
summary table is then run again under EXPLAIN ANALYZE with sequential scans
priced out, so the plan shows whether an index serves exactly the rows the
query wants.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from clinic.sms_schema import OPT_OUTS
from tests.console_support import console_env, manage
from tests.postgres import Postgres, postgres_with
from tests.tracker_events import TrackerWriter, session_start, turn

PAGES = ["/conversations/", "/followups/"]
# Runs inside `manage.py shell`: renders each page as a signed-in nurse, then
# explains its queries on the summary table; prints {page: [plan, ...]} as JSON.
SCRIPT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from review import indexer
from review.models import ConversationSummary, FollowUp, User

indexer.refresh()
nurse, _ = User.objects.get_or_create(username="nurse", defaults={"role": "staff"})
done = ConversationSummary.objects.get(sender_id="plan-urgent-done")
FollowUp.objects.create(sender_id=done.sender_id, done_by=nurse, note="called back",
                        covers_until=done.last_flagged_at)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(nurse)
plans = {}
for page in PAGES:
    with CaptureQueriesContext(connection) as sent:
        assert client.get(page).status_code == 200, page
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for query in sent.captured_queries:
            if query["sql"].startswith("SELECT") and "review_conversationsummary" in query["sql"]:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plans.setdefault(page, []).append(
                    {"sql": query["sql"][:300], "plan": cursor.fetchone()[0][0]["Plan"]})
print(json.dumps(plans))
"""


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with postgres_with("rasa", "console") as server:
        yield server


def write_conversations(url: str) -> None:
    """One of each kind the pages filter on: plain, without a patient message,
    urgent (followed up), call-back (open), and an SMS number that texted STOP."""
    writer, now = TrackerWriter(url), time.time() - 3600
    writer.add("plan-plain", session_start(now) + turn(now + 1, "does it hurt", "ask_pain", 0.97,
                                                       kb_entry="pain"))
    writer.add("plan-no-message", session_start(now + 2))
    writer.add("plan-urgent-done", session_start(now + 3) + turn(
        now + 4, "my face is swollen", "urgent_symptom", 0.99, action="utter_urgent_symptom",
        slots={"urgent_flagged": True}))
    writer.add("plan-callback", session_start(now + 5) + turn(
        now + 6, "call me back", "request_human", 0.95, action="utter_request_human",
        slots={"callback_requested": True}))
    writer.add("sms-plan-stop", session_start(now + 7, "sms") + turn(
        now + 8, "what is microneedling", "ask_what_is", 0.9, "sms", kb_entry="what_is"))
    OPT_OUTS.metadata.create_all(writer.engine)
    with writer.engine.begin() as db:
        db.execute(OPT_OUTS.insert(), [{"conversation_id": "sms-plan-stop", "opted_out_at": now}])


def summary_scans(plan: dict) -> Iterator[dict]:
    """The plan's nodes that read the summary table (its own or an index's rows)."""
    if plan.get("Relation Name") == "review_conversationsummary":
        yield plan
    for child in plan.get("Plans", []):
        yield from summary_scans(child)


@pytest.fixture(scope="module")
def plans(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[dict]]:
    write_conversations(postgres.url("rasa"))
    workdir = tmp_path_factory.mktemp("console-plans")
    env = console_env(workdir, Path(workdir, "tracker.db"), TRACKER_STORE_URL=postgres.url("rasa"),
                      CONSOLE_DATABASE_URL=postgres.url("console"))
    manage(env, "index_conversations")  # migrates the console's database, then indexes
    output = manage(env, "shell", "-c", f"PAGES = {PAGES!r}\n{SCRIPT}").stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.parametrize("page", PAGES)
def test_no_query_of_the_page_reads_conversations_it_does_not_want(
    plans: Dict[str, List[dict]], page: str
) -> None:
    assert plans[page], "the page read no conversation"
    wasted = [
        f"{scan['Node Type']} {scan.get('Index Name') or ''} Filter: {scan.get('Filter')} "
        f"for {query['sql'][:160]}"
        for query in plans[page] for scan in summary_scans(query["plan"])
        if scan["Node Type"] == "Seq Scan" or scan.get("Rows Removed by Filter", 0) > 0
    ]
    assert not wasted, "\n".join(wasted)
