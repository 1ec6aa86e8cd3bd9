"""Clinical sign-off of the knowledge base (clinic/kb_review.py): what counts
as a change since review, strict mode in the validator and in `make validate`,
and two admins signing off at once."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from clinic.kb import KB_DIR, KnowledgeBase
from clinic.kb_review import (
    CHANGED,
    NEVER,
    REVIEWED,
    StaleReview,
    fingerprint,
    load_reviews,
    page_paragraphs,
    record_review,
    review_states,
)
from clinic.kb_validator import PAGE_FILE, KnowledgeBaseError, validate
from tests.servers import ROOT, VENV_BIN, base_env

PAGE = PAGE_FILE.read_text(encoding="utf-8")


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target, ignore=shutil.ignore_patterns("reviews.yml", ".*"))
    return target


def sign(kb_dir: Path, entry_id: str, page: str = PAGE, by: str = "Dr Test") -> None:
    entry = KnowledgeBase.load(kb_dir).entries[entry_id]
    record_review(entry, by, page, fingerprint(entry, page_paragraphs(page)), kb_dir)


def sign_all(kb_dir: Path, page: str = PAGE) -> None:
    for entry_id in KnowledgeBase.load(kb_dir).entries:
        sign(kb_dir, entry_id, page)


def states(kb_dir: Path, page: str = PAGE) -> dict:
    return review_states(KnowledgeBase.load(kb_dir), page, kb_dir)


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_an_entry_is_not_reviewed_until_signed_off_and_then_says_by_whom(kb_copy: Path) -> None:
    assert {s.status for s in states(kb_copy).values()} == {NEVER}
    sign(kb_copy, "pain", by="Dr Ada Lovelace")
    pain = states(kb_copy)["pain"]
    assert pain.status == REVIEWED and pain.review.by == "Dr Ada Lovelace"
    assert pain.describe().startswith("reviewed (Dr Ada Lovelace, 20")
    assert states(kb_copy)["downtime"].status == NEVER


@pytest.mark.parametrize("change, what", [
    (lambda d: d.update(answer=d["answer"] + " Most people find it easy."), "answers"),
    (lambda d: d.update(short=d["short"].replace("temporary", "short-lived")), "answers"),
    (lambda d: d.update(title="Is it painful?"), "answers"),
    (lambda d: d["sources"].pop(), "page sentences"),
])
def test_an_edit_to_the_answers_or_their_sources_makes_the_entry_due_again(
    kb_copy: Path, change, what
) -> None:
    sign(kb_copy, "pain")
    edit(kb_copy / "pain.yml", change)
    pain = states(kb_copy)["pain"]
    assert pain.status == CHANGED and pain.changed == (what,)
    assert "changed since review (Dr Test" in pain.describe()


def test_a_variant_edit_counts_too(kb_copy: Path) -> None:
    sign(kb_copy, "conditions_treated")
    edit(kb_copy / "conditions_treated.yml",
         lambda d: d["variants"]["condition"]["melasma"].update(short="Yes, it can help melasma."))
    assert states(kb_copy)["conditions_treated"].changed == ("answers",)


def test_the_page_changing_around_a_quoted_sentence_makes_the_entry_due_again(
    kb_copy: Path,
) -> None:
    sign_all(kb_copy)
    # A sentence added to the paragraph of pain's sources, the quotes untouched.
    quote = "Though the thought of needles may make you cringe, microneedling is not painful."
    edited_page = PAGE.replace(quote, quote + " Some patients do find it uncomfortable.")
    after = states(kb_copy, edited_page)
    assert after["pain"].status == CHANGED and after["pain"].changed == ("page sentences",)
    assert after["hair_loss"].status == REVIEWED  # its sources are in other paragraphs


def test_reformatting_the_yaml_is_not_a_change(kb_copy: Path) -> None:
    sign(kb_copy, "pain")
    path = kb_copy / "pain.yml"
    data = yaml.safe_load(path.read_text())
    data["answer"] = "\n  ".join(data["answer"].split(" "))  # one word per line
    path.write_text(yaml.safe_dump(data, width=20, default_flow_style=False))
    assert states(kb_copy)["pain"].status == REVIEWED


def test_a_sign_off_of_what_is_no_longer_there_is_refused(kb_copy: Path) -> None:
    entry = KnowledgeBase.load(kb_copy).entries["pain"]
    seen = fingerprint(entry, page_paragraphs(PAGE))
    edit(kb_copy / "pain.yml", lambda d: d.update(short="It doesn't hurt at all."))
    edited = KnowledgeBase.load(kb_copy).entries["pain"]
    with pytest.raises(StaleReview):
        record_review(edited, "Dr Test", PAGE, seen, kb_copy)
    assert "pain" not in load_reviews(kb_copy)


def test_strict_mode_makes_an_unreviewed_or_changed_entry_a_validation_error(kb_copy: Path) -> None:
    validate(kb_dir=kb_copy, strict=False)  # a warning only
    with pytest.raises(KnowledgeBaseError) as failed:
        validate(kb_dir=kb_copy, strict=True)
    assert len(failed.value.problems) == len(KnowledgeBase.load(kb_copy).entries)
    assert "entry 'pain': not reviewed (strict mode" in "\n".join(failed.value.problems)
    sign_all(kb_copy)
    validate(kb_dir=kb_copy, strict=True)
    edit(kb_copy / "downtime.yml", lambda d: d.update(short=d["short"] + " Ask us."))
    with pytest.raises(KnowledgeBaseError) as failed:
        validate(kb_dir=kb_copy, strict=True)
    assert failed.value.problems == [
        "entry 'downtime': changed since review "
        f"(Dr Test, {load_reviews(kb_copy)['downtime'].on:%Y-%m-%d}): answers "
        "(strict mode: every entry needs a clinician's sign-off)"
    ]


def _sign_in_process(kb_dir: str, entry_id: str) -> None:
    sign(Path(kb_dir), entry_id, by=f"admin of {entry_id}")


def test_two_admins_signing_off_at_once_both_land(kb_copy: Path) -> None:
    ids = list(KnowledgeBase.load(kb_copy).entries)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.starmap(_sign_in_process, [(str(kb_copy), entry_id) for entry_id in ids])
    reviews = load_reviews(kb_copy)
    assert sorted(reviews) == sorted(ids)
    assert all(reviews[i].by == f"admin of {i}" for i in ids)
    assert not [
        p.name for p in kb_copy.iterdir() if p.name.startswith(".reviews-")
    ]  # no temp files left


def test_a_sign_off_being_written_is_not_read_as_an_entry(kb_copy: Path) -> None:
    """The action server may start while the console writes reviews.yml: the
    half-written temp file beside the entries is not an entry."""
    (kb_copy / ".reviews-x1y2.yml").write_text("reviews:\n  pain:\n    by: Dr")
    assert ".reviews-x1y2.yml" not in {e.id for e in KnowledgeBase.load(kb_copy).entries.values()}
    validate(kb_dir=kb_copy, strict=False)


def validator_run(kb_dir: Path, strict: str) -> subprocess.CompletedProcess:
    """`make validate`'s first command, as the Makefile runs it."""
    return subprocess.run(
        [str(VENV_BIN / "python"), "-m", "clinic.kb_validator"],
        cwd=ROOT,
        env=base_env(KB_DIR=str(kb_dir), KB_REVIEW_STRICT=strict),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_validate_prints_each_entry_review_state_and_fails_in_strict_mode(
    kb_copy: Path,
) -> None:
    sign(kb_copy, "pain", by="Dr Ada Lovelace")
    edit(kb_copy / "pain.yml", lambda d: d.update(short=d["short"] + " Ask us."))
    sign(kb_copy, "downtime", by="Dr Ada Lovelace")
    relaxed = validator_run(kb_copy, "0")
    assert relaxed.returncode == 0, relaxed.stderr
    lines = {
        line.split()[0]: line
        for line in relaxed.stdout.splitlines()[1:]
        if line.startswith("  ") and "grade" not in line and "full" not in line
    }
    assert "reviewed (Dr Ada Lovelace" in lines["downtime"]
    assert "changed since review (Dr Ada Lovelace" in lines["pain"] and "answers" in lines["pain"]
    assert lines["sessions"].split(None, 1)[1] == NEVER
    assert (
        "pain main" in relaxed.stdout and "full" in relaxed.stdout
    )  # the reading grades still print
    assert "15 of 16 entries need a clinician's review" in relaxed.stderr
    strict = validator_run(kb_copy, "1")
    assert strict.returncode == 1
    assert (
        "entry 'pain': changed since review" in strict.stderr
        and "entry 'downtime'" not in strict.stderr
    )
