"""The console's read-only knowledge base and the clinical sign-off, end to end:
staff read every answer with the page sentences behind it; an admin signs an
entry off (audited); in strict mode the action server refuses an entry not
signed off, and a signed-off edit reaches patients on the next start without
retraining."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests
import yaml

from clinic.kb import KB_DIR, KnowledgeBase
from clinic.kb_review import load_reviews
from scripts.model import input_files
from tests.console_support import Console, csrf_token, start_console, tracker_with_one_conversation
from tests.servers import ROOT, actions_command, base_env, free_port, start_servers, stop

EDITED = "Many people feel uneasy about needles, but microneedling is not considered painful."
ORIGINAL = "It's normal to feel uneasy about needles, but microneedling is not considered painful."
FINGERPRINT = re.compile(r'name="(answers|sources)" value="([0-9a-f]{64})"')


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the knowledge base with one edit, as a clinic's editor makes it."""
    target = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(KB_DIR, target, ignore=shutil.ignore_patterns("reviews.yml", ".*"))
    pain = target / "pain.yml"
    assert ORIGINAL in " ".join(pain.read_text().split())
    data = yaml.safe_load(pain.read_text())
    data["answer"] = " ".join(data["answer"].split()).replace(ORIGINAL, EDITED)
    pain.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return target


@pytest.fixture(scope="module")
def console(kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-kb")
    running = start_console(workdir, tracker_with_one_conversation(workdir),
                            {"ada": "admin", "nina": "staff"}, KB_DIR=str(kb_dir))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(console: Console) -> requests.Session:
    return console.sign_in("ada")


@pytest.fixture(scope="module")
def nurse(console: Console) -> requests.Session:
    return console.sign_in("nina")


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def sign_off(session: requests.Session, console: Console, entry_id: str, confirm: bool = True,
             seen: Dict[str, str] = None) -> requests.Response:
    url = f"{console.url}/knowledge/{entry_id}/"
    page = session.get(url, timeout=30).text
    data = {
        "csrfmiddlewaretoken": csrf_token(session, url),
        **(seen or dict(FINGERPRINT.findall(page))),
    }
    if confirm:
        data["confirm"] = "on"
    return session.post(f"{url}sign-off", data=data, allow_redirects=False, timeout=30)


def test_staff_read_every_answer_with_its_sms_answer_and_page_sentences(
    console: Console, nurse, kb_dir
) -> None:
    kb = KnowledgeBase.load(kb_dir)
    listing = text_of(nurse.get(f"{console.url}/knowledge/", timeout=30).text)
    assert f"{len(kb.entries)} of {len(kb.entries)} topics await a clinician's review" in listing
    for entry in kb.entries.values():
        assert f"{entry.title} Not reviewed" in listing
    page = nurse.get(f"{console.url}/knowledge/conditions_treated/", timeout=30)
    assert page.status_code == 200
    shown = text_of(page.text)
    entry = kb.entries["conditions_treated"]
    for _label, text in entry.texts():
        # {value} is shown as what it stands for, never as a template variable
        assert " ".join(text.answer.split("{value}")[0].split()) in shown
        assert " ".join(text.short.split("{value}")[0].split()) in shown
        for sentence in text.sources:
            assert (
                f"<mark>{html.escape(' '.join(sentence.split()), quote=False)}</mark>"
                in page.text.replace("&#x27;", "'")
            )
    assert "If the patient mentions melasma (condition)" in shown
    assert "If the patient names any other condition" in shown and "{value}" not in shown
    # the paragraph around a quote is shown too, unmarked: the reviewer reads the
    # sentence in context
    assert "which affects both men and women" in shown
    assert (
        'action="/knowledge/conditions_treated/sign-off"' not in page.text
    )  # no sign-off for staff


def test_staff_cannot_sign_off(console: Console, nurse, kb_dir) -> None:
    admin_only = sign_off(nurse, console, "what_is")
    assert admin_only.status_code == 403
    assert "what_is" not in load_reviews(kb_dir)


def test_an_admin_signs_off_which_is_recorded_audited_and_shown(
    console: Console, admin, nurse, kb_dir
) -> None:
    reply = sign_off(admin, console, "pain")
    assert reply.status_code == 302
    assert (
        reply.headers["Location"] == "/knowledge/pigmentation_risk/"
    )  # the next topic awaiting review
    review = load_reviews(kb_dir)["pain"]
    assert review.by == "ada"
    shown = text_of(nurse.get(f"{console.url}/knowledge/", timeout=30).text)
    assert f"Does it hurt? Reviewed by ada on {review.on:%Y-%m-%d}" in shown
    audit = text_of(
        admin.get(f"{console.url}/audit/", params={"action": "knowledge_reviewed"}, timeout=30).text
    )
    assert f"ada knowledge_reviewed entry=pain, answers={review.answers[:12]}" in audit


def test_a_sign_off_without_the_confirmation_is_refused(console: Console, admin, kb_dir) -> None:
    reply = sign_off(admin, console, "sessions", confirm=False)
    assert reply.status_code == 302 and reply.headers["Location"] == "/knowledge/sessions/"
    assert "sessions" not in load_reviews(kb_dir)
    assert "Tick the box" in text_of(
        admin.get(console.url + reply.headers["Location"], timeout=30).text
    )


def test_an_entry_edited_while_the_admin_read_it_is_not_signed_off(
    console: Console, admin, kb_dir
) -> None:
    seen = dict(
        FINGERPRINT.findall(admin.get(f"{console.url}/knowledge/downtime/", timeout=30).text)
    )
    path = kb_dir / "downtime.yml"
    before = path.read_text()
    data = yaml.safe_load(before)
    data["short"] = data["short"] + " Ask us."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    try:
        reply = sign_off(admin, console, "downtime", seen=seen)
        assert "downtime" not in load_reviews(kb_dir)
        assert "changed while you were reading it" in text_of(
            admin.get(console.url + reply.headers["Location"], timeout=30).text)
    finally:
        path.write_text(before)


def test_an_unknown_entry_is_a_404(console: Console, nurse) -> None:
    assert nurse.get(f"{console.url}/knowledge/no_such_topic/", timeout=30).status_code == 404


def test_the_knowledge_base_is_not_a_training_input_beyond_its_terms() -> None:
    """So `make run` after a sign-off or an answer edit starts at once, without retraining."""
    kb_files = {p.relative_to(ROOT).as_posix() for p in input_files() if "data/kb" in p.as_posix()}
    assert kb_files == {"data/kb/terms.yml"}


def test_in_strict_mode_a_signed_off_edit_reaches_patients_and_an_unreviewed_one_never_starts(
    console: Console, admin, kb_dir, model_path, tmp_path: Path,
) -> None:
    strict = {"KB_DIR": str(kb_dir), "KB_REVIEW_STRICT": "1"}
    port = free_port()
    log = tmp_path / "refused.log"
    refused = subprocess.Popen(actions_command(port), cwd=ROOT, env=base_env(**strict),
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        assert refused.wait(timeout=180) != 0
    finally:
        stop(refused)
    assert "entry 'sessions': not reviewed (strict mode" in log.read_text()

    for entry_id in KnowledgeBase.load(kb_dir).entries:
        if entry_id not in load_reviews(kb_dir):
            assert sign_off(admin, console, entry_id).status_code == 302
    model_mtime = model_path.stat().st_mtime
    servers, procs = start_servers(model_path, tmp_path, **strict)
    try:
        reply = " ".join(
            m.get("text", "") for m in servers.send("kb-review-patient", "does microneedling hurt?")
        )
        assert EDITED in reply and ORIGINAL not in reply
    finally:
        for proc in reversed(procs):
            stop(proc)
    assert model_path.stat().st_mtime == model_mtime
