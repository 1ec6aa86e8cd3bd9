"""What staff see of patients, over HTTP against the real console and the real
assistant: conversations are named by a keyed label, never by their id;
personal data is redacted on every page and export that shows patient text;
every search is audited as typed; a reveal needs a reason.

The fixtures talk to the real Rasa and action servers over REST: messages from
the redaction corpus (tests/data/redaction_corpus.yml), each in a conversation
of its own, and conversations whose ids are an e-mail address, a phone number
and a web chat id. Then the console (console/serve.py) starts on that tracker
store, and an admin and a nurse sign in.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
import yaml

from tests.console_support import Console, csrf_token, sign_in, start_console
from tests.servers import ROOT, Servers

CORPUS = yaml.safe_load(
    (ROOT / "tests" / "data" / "redaction_corpus.yml").read_text(encoding="utf-8")
)
# One of each shape: the issue's examples, other countries' numbers, obfuscated
# e-mails, introductions and sign-offs, a date of birth, and several at once.
SHOWN = [
    "can u call me on 07700900123pls",
    "text me 555-123-4567ext",
    "ring 555/123/4567 after 5",
    "pls ring me back on +27 82 123 4567 thx",
    "number: +34 612 34 56 78",
    "reach me at jane(at)gmail.com",
    "email jane at gmail dot com",
    "jane [at] gmail [dot] com is my email",
    "I'm Sarah",
    "Sarah here, quick question",
    "Thanks, Sarah Jones",
    "im sarah, does it hurt",
    "Kind regards,\nSarah Jones",
    "I was born 12/05/1990",
    "Hi I'm Priya Patel, dob 3 March 1985, mob 07700 900461, priya.p@example.net",
]
KEPT = ["I'm Asian, will it cause pigmentation?", "3-6 sessions", "pain 8/10 on day 1"]
SURROGATES = {
    "[phone]": "555-0100",
    "[email]": "name@example.org",
    "[name]": "Alex",
    "[date]": "1 January 1990",
}
PLACEHOLDER = re.compile(r"\[(?:phone|email|name|date)\]")
REDACTED = dict(CORPUS["redact"])
RUN = uuid.uuid4().hex[:8]
# Conversation ids a REST client may choose, and a web chat's.
IDS = {"email": f"sarah.jones.{RUN}@example.com", "phone": f"+4477009{int(RUN, 16) % 100000:05d}",
       "webchat": uuid.uuid4().hex + uuid.uuid4().hex[:16]}


def secrets(text: str, redacted: str) -> List[str]:
    """The pieces of `text` its redaction replaced (read from the corpus, not the code)."""
    parts = PLACEHOLDER.split(redacted)
    match = re.fullmatch("(.+?)".join(re.escape(part) for part in parts), text, re.S)
    assert match, (text, redacted)
    return [piece for piece in match.groups() if piece.strip()]


@dataclass
class Patients:
    senders: Dict[str, str]  # message -> conversation id
    ids: Dict[str, str]  # IDS' kind -> conversation id


@pytest.fixture(scope="module")
def patients(servers: Servers) -> Patients:
    senders = {}
    for n, text in enumerate(SHOWN + KEPT):
        senders[text] = f"privacy-{RUN}-{n}"
        servers.send(senders[text], text)
    for sender in IDS.values():  # an urgent sign, so they are in the follow-up queue too
        servers.send(sender, "my cheek is oozing pus and I have a fever")
    return Patients(senders, dict(IDS))


@pytest.fixture(scope="module")
def console(
    servers: Servers, patients: Patients, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    running = start_console(tmp_path_factory.mktemp("console-privacy"), servers.tracker_db,
                            {"admin": "admin", "nurse": "staff"})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(console: Console) -> requests.Session:
    return console.sign_in("admin")  # password, then setting up two-step sign-in


@pytest.fixture(scope="module")
def nurse(console: Console) -> requests.Session:
    return console.sign_in("nurse")


def get(session: requests.Session, url: str, **params: str) -> requests.Response:
    reply = session.get(url, params=params, timeout=60)
    assert reply.status_code == 200, (url, reply.status_code)
    return reply


def list_pages(session: requests.Session, console: Console) -> str:
    """Every page of the conversation list, as one text."""
    first = get(session, f"{console.url}/conversations/").text
    pages = re.search(r"Page \d+ of (\d+)", first)
    return first + "".join(get(session, f"{console.url}/conversations/", page=str(n)).text
                           for n in range(2, int(pages.group(1) if pages else 1) + 1))


def api_results(session: requests.Session, console: Console, **params: str) -> List[dict]:
    results, page, pages = [], 1, 1
    while page <= pages:
        body = get(session, f"{console.url}/api/conversations", page=str(page), **params).json()
        results += body["results"]
        pages, page = body["pages"], page + 1
    return results


def audit_entries(admin: requests.Session, console: Console, action: str) -> List[str]:
    page = get(admin, f"{console.url}/audit/", action=action).text
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", row))
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    ]


def post(
    session: requests.Session, console: Console, path: str, page: str, **data
) -> requests.Response:
    token = csrf_token(session, console.url + page)
    return session.post(console.url + path, data={"csrfmiddlewaretoken": token, **data},
                        allow_redirects=False, timeout=60)


def user_event_id(servers: Servers, sender: str) -> int:
    with sqlite3.connect(servers.tracker_db) as db:
        return db.execute(
            "SELECT id FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id LIMIT 1",
            (sender,),
        ).fetchone()[0]


def shown(text: str) -> str:
    """How a template shows `text` (autoescaped)."""
    return html.escape(text, quote=True)


# ---- labels ----------------------------------------------------------------------------------

def test_staff_see_a_label_and_never_the_conversation_id(
    console: Console, admin: requests.Session, nurse: requests.Session, patients: Patients
) -> None:
    ids = patients.ids.values()
    labels = {console.label(sender) for sender in ids}
    pages = {
        "list": list_pages(nurse, console),
        "follow-ups": get(nurse, f"{console.url}/followups/").text,
        "inbox": get(nurse, f"{console.url}/review/").text,
        "api list": json.dumps(api_results(nurse, console)),
    }
    for sender in ids:
        label = console.label(sender)
        transcript = f"/conversations/{label}/"
        pages[f"transcript {label}"] = get(nurse, console.url + transcript).text
        pages[f"api {label}"] = get(nurse, f"{console.url}/api/conversations/{label}").text
        revealed = post(
            nurse, console, f"{transcript}reveal", transcript, reason="checking the label"
        )
        pages[f"revealed {label}"] = get(nurse, console.url + revealed.headers["Location"]).text
        done = post(nurse, console, f"/followups/{label}/done", "/followups/", note="Called back",
                    reason="called_back", version="0", seen="2999-01-01T00:00:00+00:00")
        assert done.status_code == 302
        pages[f"marked done {label}"] = get(
            nurse, f"{console.url}/followups/"
        ).text  # the flash message, the table
    pages["audit log"] = get(admin, f"{console.url}/audit/").text
    for unredacted in ("", "on"):
        for kind in ("csv", "jsonl"):
            pages[f"{kind} export {unredacted}"] = post(
                admin, console, "/export", "/conversations/", format=kind, scope="selected",
                conversation=sorted(labels), include_personal_data=unredacted).text
    for name, text in pages.items():
        for sender in ids:
            assert sender not in text and shown(sender) not in text, (name, sender)
    for label in labels:
        assert all(
            label in pages[name]
            for name in ("list", "api list", "audit log", "csv export ", "jsonl export on")
        )
        assert label in pages[f"transcript {label}"] and label in pages[f"revealed {label}"]
    assert (
        "conversation_label" in pages["csv export "].splitlines()[0]
    )  # the column says what it holds
    assert all(
        json.loads(line)["conversation_label"] in labels
        for line in pages["jsonl export "].splitlines()
    )


def test_conversations_are_addressed_by_label_only(
    console: Console, nurse: requests.Session, patients: Patients
) -> None:
    sender = patients.ids["webchat"]
    assert get(nurse, f"{console.url}/conversations/{console.label(sender)}/").ok
    for wrong in (sender, "1", console.label(sender).upper(), console.label(sender + "x")):
        assert nurse.get(f"{console.url}/conversations/{wrong}/", timeout=30).status_code == 404, (
            wrong
        )
        assert (
            nurse.get(f"{console.url}/api/conversations/{wrong}", timeout=30).status_code == 404
        ), wrong
    # a label can be searched for, by anyone
    assert (
        console.label(sender)
        in get(nurse, f"{console.url}/conversations/", q=console.label(sender)).text
    )


def test_only_an_admin_finds_a_conversation_by_its_exact_id_and_that_is_audited(
    console: Console, admin: requests.Session, nurse: requests.Session, patients: Patients
) -> None:
    sender, label = patients.ids["email"], console.label(patients.ids["email"])
    assert label not in get(nurse, f"{console.url}/conversations/", q=sender).text
    assert [
        r["label"]
        for r in get(nurse, f"{console.url}/api/conversations", q=sender).json()["results"]
    ] == []
    found = get(admin, f"{console.url}/conversations/", q=sender).text
    assert re.findall(r'data-conversation="([^"]+)"', found) == [label]
    entry = next(e for e in audit_entries(admin, console, "search") if f"query={sender}" in e)
    assert "admin" in entry and label in entry and "matches=1" in entry


# ---- redaction on every path ---------------------------------------------------------------

def test_personal_data_is_redacted_on_every_page_that_shows_patient_text(
    console: Console, admin: requests.Session, nurse: requests.Session, patients: Patients
) -> None:
    everything = list_pages(nurse, console)
    api = {r["label"]: r for r in api_results(nurse, console)}
    other_pages = (
        get(nurse, f"{console.url}/review/").text + get(nurse, f"{console.url}/followups/").text
    )
    for text in SHOWN:
        label, expected = console.label(patients.senders[text]), REDACTED[text]
        preview = expected[:140]
        hidden = secrets(text, expected)
        row = re.search(rf'<tr data-conversation="{label}">(.*?)</tr>', everything, re.S).group(1)
        assert shown(preview) in row, (text, row)
        assert api[label]["preview"] == preview
        transcript = get(nurse, f"{console.url}/conversations/{label}/").text
        assert f'<p class="text">{shown(expected)}</p>' in transcript
        detail = get(nurse, f"{console.url}/api/conversations/{label}").json()
        said = [
            m["text"] for s in detail["sessions"] for m in s["messages"] if m["role"] == "patient"
        ]
        assert said == [expected]
        # searching for the personal data itself finds the conversation, and shows it redacted
        results = get(nurse, f"{console.url}/conversations/", q=hidden[0]).text
        table = results.split("<tbody>")[1].split("</tbody>")[0]
        assert f'data-conversation="{label}"' in table and shown(preview) in table
        for page in (
            row,
            transcript,
            json.dumps(detail),
            json.dumps(api[label]),
            table,
            other_pages,
        ):
            for piece in hidden:
                assert shown(piece) not in page and piece not in page, (text, piece)
    for text in KEPT:  # clinical detail stays as written
        label = console.label(patients.senders[text])
        assert api[label]["preview"] == text
        assert (
            f'<p class="text">{shown(text)}</p>'
            in get(nurse, f"{console.url}/conversations/{label}/").text
        )


def test_exports_are_redacted_in_both_formats(
    console: Console, admin: requests.Session, patients: Patients
) -> None:
    labels = {console.label(patients.senders[text]): text for text in SHOWN}
    csv_text = post(admin, console, "/export", "/conversations/", format="csv", scope="selected",
                    conversation=sorted(labels)).text
    jsonl = post(admin, console, "/export", "/conversations/", format="jsonl", scope="selected",
                 conversation=sorted(labels)).text
    rows = [r for r in csv.DictReader(io.StringIO(csv_text)) if r["role"] == "patient"]
    assert sorted((r["conversation_label"], r["text"]) for r in rows) == sorted(
        (label, REDACTED[text]) for label, text in labels.items())
    for line in jsonl.splitlines():
        record = json.loads(line)
        said = [
            m["text"] for s in record["sessions"] for m in s["messages"] if m["role"] == "patient"
        ]
        assert said == [REDACTED[labels[record["conversation_label"]]]]
    for text in SHOWN:
        for piece in secrets(text, REDACTED[text]):
            assert piece not in csv_text and piece not in jsonl, piece


def test_the_corrections_training_file_gets_fictional_values(
    console: Console, nurse: requests.Session, patients: Patients, servers: Servers, tmp_path: Path
) -> None:
    for text in SHOWN:
        event = user_event_id(servers, patients.senders[text])
        reply = post(nurse, console, f"/review/{event}", "/review/", intent="out_of_scope")
        assert reply.status_code == 302
    out = tmp_path / "reviewed.yml"
    console.manage("export_corrections", "--out", str(out))
    examples = yaml.safe_load(out.read_text())["nlu"][0]["examples"]
    written = [line[2:] for line in examples.splitlines()]
    for text in SHOWN:
        expected = PLACEHOLDER.sub(lambda m: SURROGATES[m.group()], REDACTED[text])
        assert " ".join(expected.split()) in written, expected
        for piece in secrets(text, REDACTED[text]):
            if piece not in SURROGATES.values():
                assert piece not in out.read_text(), piece


# ---- audit ---------------------------------------------------------------------------------

def test_every_search_is_audited_with_what_was_typed_and_only_admins_read_it(
    console: Console, admin: requests.Session, nurse: requests.Session
) -> None:
    html_query, api_query = f"07700 900123 {RUN}", f"jane at gmail {RUN}"
    get(nurse, f"{console.url}/conversations/", q=html_query)
    get(nurse, f"{console.url}/api/conversations", q=api_query)
    exported = post(
        admin, console, "/export", "/conversations/", format="csv", scope="filter", q="oozing pus"
    )
    assert exported.status_code == 200
    entries = audit_entries(admin, console, "search")
    assert any("nurse" in e and f"query={html_query}" in e and "matches=0" in e for e in entries), (
        entries
    )
    assert any("nurse" in e and f"query={api_query}" in e and "via=api" in e for e in entries), (
        entries
    )
    assert any("query=oozing pus" in e for e in audit_entries(admin, console, "export"))
    assert nurse.get(f"{console.url}/audit/", timeout=30).status_code == 403
    assert html_query not in get(nurse, f"{console.url}/conversations/").text


# ---- reveal --------------------------------------------------------------------------------

def test_reveal_needs_a_reason_which_is_recorded_and_answers_with_a_redirect(
    console: Console, admin: requests.Session, nurse: requests.Session, patients: Patients
) -> None:
    text = SHOWN[-1]
    label = console.label(patients.senders[text])
    transcript = f"/conversations/{label}/"
    reveals = len(audit_entries(admin, console, "reveal"))
    for reason in ("", "   ", "x" * 201):
        refused = post(nurse, console, f"{transcript}reveal", transcript, reason=reason)
        assert refused.status_code == 302 and refused.headers["Location"] == transcript
        page = get(nurse, console.url + transcript).text
        assert "Give a reason" in page and shown(text) not in page
    assert len(audit_entries(admin, console, "reveal")) == reveals

    done = post(
        nurse, console, f"{transcript}reveal", transcript, reason="Patient asked for a call back"
    )
    assert done.status_code == 302 and done.headers["Location"] == f"{transcript}revealed"
    for _ in range(2):  # a reload shows it again, without posting anything
        assert shown(text) in get(nurse, f"{console.url}{transcript}revealed").text
    [entry] = [e for e in audit_entries(admin, console, "reveal") if label in e]
    assert "nurse" in entry and "reason=Patient asked for a call back" in entry
    assert (
        len(
            [
                e
                for e in audit_entries(admin, console, "view_transcript")
                if label in e and "revealed=True" in e
            ]
        )
        >= 2
    )
    # the reveal belongs to the session that asked for it, and ends when it hides the data
    other, _ = sign_in(console.url, "nurse")
    elsewhere = other.get(f"{console.url}{transcript}revealed", allow_redirects=False, timeout=30)
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"] == transcript
    assert (
        post(nurse, console, f"{transcript}hide", f"{transcript}revealed").headers["Location"]
        == transcript
    )
    again = nurse.get(f"{console.url}{transcript}revealed", allow_redirects=False, timeout=30)
    assert again.status_code == 302 and again.headers["Location"] == transcript
    assert (
        nurse.get(f"{console.url}{transcript}reveal", timeout=30).status_code == 405
    )  # a POST only
