"""The staff console in a real browser, over conversations the real assistant had.

The fixtures talk to the real Rasa and action servers over REST (an urgent
symptom, a call-back request, a message it did not understand, one full of
personal data, one with hostile HTML, and one under an SMS-style id with an
encrypted call-back number and an opt-out in the SMS channel's tables), then
start the console (console/serve.py) on that tracker store. Debian's Chromium,
driven by Playwright, signs in and works through the console as staff would.
Tests run in file order on one signed-in tab; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import yaml
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect

from channels.sms_store import SmsStore
from tests.browser import ARTIFACTS, Tab, chromium, watched
from tests.console_support import PASSWORD, Console, fresh_code, sign_in, start_console
from tests.servers import ROOT, VENV_BIN, Servers, base_env
from tests.tracker_events import TrackerWriter, session_start, turn

SMS_KEY = Fernet.generate_key()
CALLBACK_NUMBER = "+15550100142"
# The console's own scripts: any other <script> element on a page was injected.
FOREIGN_SCRIPT = (
    "script:not([src='/static/review/console.js']):not([src='/static/review/drafts.js'])"
)
HOSTILE = "<script>alert(1)</script> does it hurt? <img src=x onerror=alert(1)>"
PERSONAL = ("my name is Sarah Jones, call me on 555-0142 or email sarah.jones@example.com, "
            "I was born 12/05/1990")
UNDERSTOOD_BADLY = "tell me about it"
# In the order they are created: the list shows them the other way round.
MESSAGES = [
    ("urgent", "2 days after microneedling my cheek is oozing pus and I have a fever"),
    ("callback", "can I speak to a real person please"),
    ("fallback", UNDERSTOOD_BADLY),
    ("personal", PERSONAL),
    ("hostile", HOSTILE),
    ("sms", "can I speak to a real person please"),
]

expect.set_options(timeout=30_000)


@dataclass
class Patients:
    """The conversations the fixtures had with the assistant, by role: their
    ids, and the labels the console shows instead (set once it runs)."""

    senders: Dict[str, str]
    labels: Dict[str, str] = field(default_factory=dict)

    def __getitem__(self, role: str) -> str:
        return self.senders[role]

    def newest_first(self) -> List[str]:
        return [self.labels[role] for role, _ in reversed(MESSAGES)]


@pytest.fixture(scope="module")
def patients(servers: Servers) -> Patients:
    run = uuid.uuid4().hex[:8]
    senders = {role: f"console-{role}-{run}" for role, _ in MESSAGES}
    senders["sms"] = "sms-" + uuid.uuid4().hex
    for role, text in MESSAGES:
        if role != "sms":
            servers.send(senders[role], text)
    # REST may not use an SMS id (issue 11): the SMS patient's conversation is
    # written as the SMS channel has Rasa store it (the console is tested here).
    now = time.time()
    TrackerWriter(f"sqlite:///{servers.tracker_db}").add(
        senders["sms"],
        session_start(now, "sms")
        + turn(
            now + 0.1,
            dict(MESSAGES)["sms"],
            "request_human",
            0.96,
            channel="sms",
            reply="I've flagged this.",
            action="utter_request_human",
            utter_action="utter_request_human",
            slots={"callback_requested": True},
        ),
    )
    sms = SmsStore(f"sqlite:///{servers.tracker_db}", SMS_KEY)
    sms.keep_number_for_callback(senders["sms"], CALLBACK_NUMBER, "call-back")
    sms.opt_out(senders["sms"])
    # the premise of the review test: the assistant did not understand this one
    intent = next(e for e in servers.events(senders["fallback"]) if e["event"] == "user")[
        "parse_data"
    ]["intent"]
    assert intent["name"] == "nlu_fallback" or intent["confidence"] < 0.5, intent
    return Patients(senders)


@pytest.fixture(scope="module")
def console(
    servers: Servers, patients: Patients, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    running = start_console(
        tmp_path_factory.mktemp("console-browser"), servers.tracker_db, {"admin": "admin"},
        SMS_ENCRYPTION_KEY=SMS_KEY.decode(),
    )
    patients.labels.update(
        {role: running.label(sender) for role, sender in patients.senders.items()}
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tab(console: Console) -> Iterator[Tab]:
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        yield watched(context.new_page())
        context.close()


def row(page: Page, label: str):
    return page.locator(f'tr[data-conversation="{label}"]')


def listed(page: Page) -> List[str]:
    return page.locator("tbody tr[data-conversation]").evaluate_all(
        "rows => rows.map(r => r.dataset.conversation)")


def open_conversation(page: Page, console: Console, sender: str) -> None:
    """As an admin does for a patient who gives their conversation id."""
    page.goto(f"{console.url}/conversations/?q={sender}")
    row(page, console.label(sender)).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Conversation")).to_contain_text(console.label(sender))
    assert sender not in page.content()


def reveal(page: Page, reason: str = "Calling the patient back") -> None:
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Reveal personal data").click()
    expect(page).to_have_url(re.compile(r"/conversations/[a-z2-7-]+/revealed$"))


def audit_has(page: Page, console: Console, action: str, sender: str) -> None:
    """The audit log names the conversation by its label; an admin may look it up by its id."""
    page.goto(f"{console.url}/audit/?action={action}&conversation={sender}")
    expect(page.locator("table.audit tbody tr").filter(has_text=action).first).to_contain_text(
        console.label(sender)
    )


def test_sign_in_and_the_list_newest_first_with_flags(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    page.goto(f"{console.url}/conversations/")
    expect(page).to_have_url(f"{console.url}/login?next=/conversations/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # an admin's first sign-in: two-step sign-in is set up before anything else
    key = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(fresh_code(key))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{console.url}/conversations/")
    labels = patients.labels
    expect(row(page, labels["sms"])).to_be_visible()
    ours = [s for s in listed(page) if s in patients.newest_first()]
    assert ours == patients.newest_first()
    expect(row(page, labels["urgent"]).locator(".flags")).to_have_text("Urgent")
    expect(row(page, labels["callback"]).locator(".flags")).to_have_text("Call-back")
    expect(row(page, labels["fallback"]).locator(".flags")).to_have_text("Not understood")
    expect(row(page, labels["sms"]).locator(".flags")).to_contain_text("Call-back")
    expect(row(page, labels["sms"]).locator(".flags")).to_contain_text("Opted out")
    personal = row(page, labels["personal"]).locator(".preview")
    expect(personal).to_contain_text("my name is [name], call me on [phone] or email [email]")
    expect(row(page, labels["urgent"])).to_contain_text(
        "Other app"
    )  # the REST channel, in staff's words
    expect(row(page, labels["urgent"]).locator(".conversation-label")).to_have_text(
        labels["urgent"]
    )
    assert not any(sender in page.content() for sender in patients.senders.values())
    page.screenshot(path=ARTIFACTS / "console-list.png", full_page=True)


def test_filters_narrow_the_list(tab: Tab, console: Console, patients: Patients) -> None:
    page = tab.page
    page.goto(f"{console.url}/conversations/")
    page.get_by_label("Flag").select_option("urgent")
    page.get_by_role("button", name="Filter").click()
    labels = patients.labels
    expect(page).to_have_url(re.compile(r"\?flag=urgent&"))
    expect(row(page, labels["urgent"])).to_be_visible()
    expect(row(page, labels["callback"])).to_have_count(0)
    flags = page.locator("tbody tr[data-conversation] .flags").all_inner_texts()
    assert flags and all("Urgent" in f for f in flags)

    page.get_by_label("Flag").select_option("")
    page.get_by_label("Channel").select_option("web")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"&channel=web&"))
    assert not set(listed(page)) & set(patients.newest_first())  # they came over REST and SMS

    page.get_by_label("Channel").select_option("rest")
    page.get_by_label("Flag").select_option("callback")
    page.get_by_label("Search").fill("real person")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"\?flag=callback&channel=rest&.*&q=real\+person"))
    ours = [s for s in listed(page) if s in patients.newest_first()]
    assert ours == [labels["callback"]]

    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"\?flag=callback&channel=sms&.*&q=real\+person"))
    assert [s for s in listed(page) if s in patients.newest_first()] == [labels["sms"]]

    page.goto(f"{console.url}/conversations/?intent=urgent_symptom")
    expect(row(page, labels["urgent"])).to_be_visible()
    expect(row(page, labels["callback"])).to_have_count(0)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    page.goto(f"{console.url}/conversations/?start={tomorrow}")
    expect(page.locator("tbody tr[data-conversation]")).to_have_count(0)

    page.goto(f"{console.url}/conversations/")
    page.get_by_label("Search").fill("SARAH.JONES@example")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"&q=SARAH"))
    expect(page.locator("tbody tr[data-conversation]")).to_have_count(1)
    assert listed(page) == [labels["personal"]]
    # searching the patients' unredacted words is on record, as typed
    page.goto(f"{console.url}/audit/?action=search")
    searches = page.locator("table.audit tbody tr").all_inner_texts()
    assert any("query=SARAH.JONES@example" in d and "matches=1" in d for d in searches), searches


def test_a_transcript_is_redacted_and_reveal_shows_it_and_is_audited(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    open_conversation(page, console, patients["personal"])
    patient = page.locator(".msg.patient .text").first
    expect(patient).to_have_text(
        "my name is [name], call me on [phone] or email [email], I was born [date]"
    )
    for secret in ("Sarah", "555-0142", "sarah.jones@example.com", "12/05/1990"):
        assert secret not in page.content(), secret
    expect(page.locator(".msg.patient details.tech").first).to_contain_text(
        "intent"
    )  # behind "Details"
    sources = page.locator(".msg.assistant .source").all_text_contents()  # behind "Details"
    assert sources and all(s and s != "(no source recorded)" for s in sources), sources
    assert (
        "utter_first_turn_notice" in sources
    )  # the notice opens the session, not the previous one
    page.screenshot(path=ARTIFACTS / "console-transcript.png", full_page=True)

    page.get_by_role(
        "button", name="Reveal personal data"
    ).click()  # no reason given: the browser asks for one
    assert page.get_by_label("Reason").evaluate("field => field.validity.valueMissing")
    expect(page.locator(".msg.patient .text").first).not_to_have_text(PERSONAL)
    reveal(page, "Patient asked us to call back")
    expect(page.get_by_role("status").filter(has_text="Personal data is shown")).to_be_visible()
    expect(page.locator(".msg.patient .text").first).to_have_text(PERSONAL)
    page.screenshot(path=ARTIFACTS / "console-revealed.png", full_page=True)
    # the reveal was a POST answered by a redirect: reloading and Back post nothing again
    revealed_url = page.url
    page.reload()
    expect(page.locator(".msg.patient .text").first).to_have_text(PERSONAL)
    page.go_back()
    expect(page).to_have_url(revealed_url.removesuffix("revealed"))
    expect(page.locator(".msg.patient .text").first).not_to_have_text(PERSONAL)
    page.go_forward()
    expect(page.locator(".msg.patient .text").first).to_have_text(PERSONAL)
    page.get_by_role("button", name="Hide it again").click()
    expect(page.locator(".msg.patient .text").first).not_to_have_text(PERSONAL)
    page.goto(revealed_url)  # hidden means hidden, until the next reason
    expect(page).to_have_url(revealed_url.removesuffix("revealed"))
    expect(page.locator(".msg.patient .text").first).not_to_have_text(PERSONAL)
    assert tab.dialogs == []
    audit_has(page, console, "reveal", patients["personal"])
    audit_has(page, console, "view_transcript", patients["personal"])
    page.goto(f"{console.url}/audit/?action=reveal")
    expect(page.locator("table.audit tbody tr").first).to_contain_text(
        "reason=Patient asked us to call back"
    )


def test_reveal_shows_the_decrypted_sms_call_back_number(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    open_conversation(page, console, patients["sms"])
    assert CALLBACK_NUMBER not in page.content()
    reveal(page)
    expect(page.locator(".call-back .number")).to_have_text(CALLBACK_NUMBER)
    expect(page.locator(".call-back .number")).to_have_attribute("href", f"tel:{CALLBACK_NUMBER}")
    audit_has(page, console, "reveal_callback_number", patients["sms"])


def test_hostile_patient_messages_render_as_text(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    page.goto(f"{console.url}/conversations/?q={patients['hostile']}")
    expect(row(page, patients.labels["hostile"]).locator(".preview")).to_have_text(HOSTILE)
    open_conversation(page, console, patients["hostile"])
    expect(page.locator(".msg.patient .text").first).to_have_text(HOSTILE)
    reveal(page)
    expect(page.locator(".msg.patient .text").first).to_have_text(HOSTILE)
    page.goto(f"{console.url}/review/")
    in_inbox = page.locator("article.item .text").filter(has_text="onerror")
    if in_inbox.count():  # when the model was unsure of it (0.47 with today's model)
        expect(in_inbox.first).to_have_text(HOSTILE)
    for _ in range(2):  # inert on every page that shows it, revealed or not
        assert page.locator(FOREIGN_SCRIPT).count() == 0
        assert page.locator("img[src='x'], [onerror]").count() == 0
        page.goto(f"{console.url}/conversations/?q=onerror")
    assert tab.dialogs == [] and tab.errors == []


def test_marking_a_follow_up_done_takes_it_off_the_queue(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    page.goto(f"{console.url}/followups/")
    labels = patients.labels
    items = page.locator("tr.queue-row").evaluate_all(
        "rows => rows.map(r => r.dataset.conversation)"
    )
    created = list(reversed(patients.newest_first()))
    ours = [s for s in items if s in created]
    flagged = [labels["urgent"], labels["callback"], labels["sms"]]
    assert [s for s in ours if s in flagged] == flagged  # urgent first, then the longest waiting
    page.locator(f'tr.queue-row[data-conversation="{labels["urgent"]}"] a.row-link').click()
    panel = page.get_by_role("complementary", name="Follow-up")
    panel.get_by_label("Advised to come in").check()
    panel.get_by_label("Note").fill("Called back: advised to come in today.")
    panel.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text(f"Marked {labels['urgent']} as done")
    page.goto(f"{console.url}/followups/")
    expect(page.locator(f'tr.queue-row[data-conversation="{labels["urgent"]}"]')).to_have_count(0)
    page.goto(f"{console.url}/followups/?tab=done")
    done = page.locator("table.done-today tbody tr").filter(
        has_text="Called back: advised to come in today."
    )
    expect(done).to_contain_text("admin")
    expect(done).to_contain_text(labels["urgent"])
    expect(done).to_contain_text("Advised to come in")
    assert not any(sender in page.content() for sender in patients.senders.values())
    page.screenshot(path=ARTIFACTS / "console-followups.png", full_page=True)
    audit_has(page, console, "follow_up_done", patients["urgent"])


def test_a_flag_raised_after_the_page_was_opened_keeps_the_follow_up_open(
    tab: Tab, console: Console, patients: Patients, servers: Servers
) -> None:
    page = tab.page
    page.goto(f"{console.url}/conversations/{patients.labels['callback']}/")
    panel = page.get_by_role("complementary", name="Follow-up")
    panel.get_by_label("No answer, left a message").check()
    panel.get_by_label("Note").fill("Left a voicemail.")
    # meanwhile the patient writes again, and this time it is urgent
    servers.send(patients["callback"], "now my cheek is oozing pus and I have a fever")
    assert page.request.get(f"{console.url}/api/conversations").ok  # a colleague's page indexes it
    panel.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("flagged again")
    page.goto(f"{console.url}/followups/")
    expect(page.locator(f'tr.queue-row[data-conversation="{patients.labels["callback"]}"]')).to_have_count(1)


def test_a_correction_lands_in_the_exported_training_data(
    tab: Tab, console: Console, patients: Patients, tmp_path: Path
) -> None:
    page = tab.page
    page.goto(f"{console.url}/review/")
    item = (
        page.locator("article.item")
        .filter(has=page.locator(".text", has_text=UNDERSTOOD_BADLY))
        .first
    )
    item.get_by_label("Topic").select_option("ask_what_is")
    page.screenshot(path=ARTIFACTS / "console-review.png", full_page=True)
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as “What is microneedling?”")
    expect(page.locator("article.item .text").filter(has_text=UNDERSTOOD_BADLY)).to_have_count(0)
    audit_has(page, console, "correction", patients["fallback"])

    repo_file = ROOT / "data" / "nlu" / "reviewed.yml"
    before = repo_file.read_bytes() if repo_file.exists() else None
    out = tmp_path / "reviewed.yml"
    console.manage("export_corrections", "--out", str(out))
    data = yaml.safe_load(out.read_text())
    assert data["version"] == "3.1"
    examples = {item["intent"]: item["examples"].splitlines() for item in data["nlu"]}
    assert f"- {UNDERSTOOD_BADLY}" in examples["ask_what_is"]
    assert (
        repo_file.read_bytes() if repo_file.exists() else None
    ) == before  # the repo's data untouched
    validate = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings",
         "--data", "data/nlu", "data/rules", "data/stories", str(out)],
        cwd=ROOT, env=base_env(), capture_output=True, text=True, timeout=600,
    )
    assert validate.returncode == 0, (validate.stdout + validate.stderr)[-3000:]


def test_exports_are_redacted_unless_asked_and_audited(
    tab: Tab, console: Console, patients: Patients
) -> None:
    page = tab.page
    for unredacted, kind in ((False, "csv"), (True, "jsonl")):
        page.goto(f"{console.url}/conversations/?q=sarah.jones")
        page.get_by_label(f"Select {patients.labels['personal']}").check()
        page.get_by_label("Format").select_option(kind)
        if unredacted:
            page.get_by_label("Include personal data (unredacted)").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="Export", exact=True).click()
        text = Path(download.value.path()).read_text()
        assert download.value.suggested_filename.endswith(f".{kind}")
        assert patients.labels["personal"] in text and "utter_first_turn_notice" in text
        assert patients["personal"] not in text  # the label, never the id
        assert ("555-0142" in text) is unredacted and ("[phone]" in text) is not unredacted
    page.goto(f"{console.url}/audit/?action=export")
    details = page.locator("table.audit tbody tr").all_inner_texts()
    assert any("format=csv" in d and "redacted=True" in d for d in details), details
    assert any("format=jsonl" in d and "redacted=False" in d for d in details), details
    assert all(patients.labels["personal"] in d for d in details)  # whose data left


def test_insights_are_drawn_as_svg(tab: Tab, console: Console) -> None:
    page = tab.page
    page.goto(f"{console.url}/insights/")
    expect(page.locator("figure.chart")).to_have_count(4)
    assert page.locator("figure.chart svg rect").count() > 3
    assert page.locator(FOREIGN_SCRIPT).count() == 0
    page.screenshot(path=ARTIFACTS / "console-insights.png", full_page=True)
    # an absurd range is cut to the last three years before it
    huge = page.request.get(f"{console.url}/insights/?start=0001-01-01&end=2030-01-01")
    assert huge.ok and "<p>2026-12-31 to 2030-01-01 (by week).</p>" in huge.text()


def test_an_admin_deletes_a_conversation_on_request(
    tab: Tab, console: Console, patients: Patients, servers: Servers
) -> None:
    page = tab.page
    sender = patients["hostile"]
    assert servers.events(sender)
    open_conversation(page, console, sender)
    page.get_by_label("The patient asked for this conversation to be deleted").check()
    page.get_by_role("button", name="Delete conversation").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Deleted conversation {console.label(sender)}"
    )
    assert servers.events(sender) == []
    page.goto(f"{console.url}/conversations/?q={sender}")
    expect(page.locator("tbody tr[data-conversation]")).to_have_count(0)
    audit_has(page, console, "delete_conversation", sender)
    assert tab.dialogs == [] and tab.errors == []


def test_forwarded_proto_is_ignored_without_the_proxy_setting(console: Console) -> None:
    _, reply = sign_in(console.url, "admin", headers={"X-Forwarded-Proto": "https"})
    assert reply.status_code == 302
    cookie = next(
        c for c in reply.raw.headers.getlist("Set-Cookie") if c.startswith("console_session=")
    )
    assert "Secure" not in cookie and "HttpOnly" in cookie
