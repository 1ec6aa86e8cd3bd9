"""The knowledge base is backed by the clinic page and fits the domain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.kb import KB_DIR, KnowledgeBase
from actions.kb_validator import DOMAIN_FILE, PAGE_FILE, KnowledgeBaseError, validate

SHARED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "source" / "microneedling-patient-page.txt"


def test_the_real_knowledge_base_passes() -> None:
    kb = validate()
    faq_intents = {i for e in kb.entries.values() for i in e.intents}
    assert len(faq_intents) == 16


@pytest.mark.skipif(not SHARED_PAGE.exists(), reason="the shared source page is not beside this checkout")
def test_the_provenance_copy_is_the_clinic_page() -> None:
    assert PAGE_FILE.read_bytes() == SHARED_PAGE.read_bytes()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target)
    return target


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def problems(kb_dir: Path, domain: Path = DOMAIN_FILE) -> str:
    with pytest.raises(KnowledgeBaseError) as failed:
        validate(kb_dir=kb_dir, domain_file=domain)
    return "\n".join(failed.value.problems)


def test_a_quote_not_on_the_page_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d["sources"].append("Microneedling is completely painless for everyone."))
    assert "source not found verbatim" in problems(kb_copy)


def test_an_entry_without_sources_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(sources=[]))
    assert "entry 'pain': no sources" in problems(kb_copy)


def test_a_variant_without_sources_fails(kb_copy: Path) -> None:
    edit(kb_copy / "needle_depth.yml", lambda d: d["variants"]["body_area"]["cheeks"].update(sources=[]))
    assert "variant body_area=cheeks: no sources" in problems(kb_copy)


def test_a_long_short_answer_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(short="x" * 301))
    assert "short answer is 301 characters" in problems(kb_copy)


def test_a_short_answer_outside_gsm7_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(short="It doesn’t hurt 😊"))
    assert "non-GSM-7" in problems(kb_copy)


def test_a_figure_the_sources_do_not_state_fails(kb_copy: Path) -> None:
    edit(kb_copy / "sessions.yml", lambda d: d.update(answer="Usually 6 to 8 treatments."))
    assert "states the figure 6" in problems(kb_copy)


def test_an_intent_with_neither_entry_nor_response_fails(kb_copy: Path, tmp_path: Path) -> None:
    domain = yaml.safe_load(DOMAIN_FILE.read_text())
    domain["intents"].append("ask_price")
    path = tmp_path / "domain.yml"
    path.write_text(yaml.safe_dump(domain))
    assert "intent 'ask_price' has neither" in problems(kb_copy, path)


def test_an_entry_for_an_intent_the_domain_lacks_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(intents=["ask_does_it_sting"]))
    text = problems(kb_copy)
    assert "answers 'ask_does_it_sting', which the domain does not list" in text
    assert "intent 'ask_pain' has neither" in text


def test_unknown_related_topic_and_variant_value_fail(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(related=["pricing", "downtime"]))
    edit(kb_copy / "needle_depth.yml", lambda d: d["variants"]["body_area"].update(elbow=d["variants"]["body_area"]["cheeks"]))
    text = problems(kb_copy)
    assert "related topics that are not other entries: ['pricing']" in text
    assert "variant 'elbow' is not a body_area value" in text


def test_answers_pick_variants_by_entity() -> None:
    kb = KnowledgeBase.load()
    forehead = kb.answer("needle_depth", [("body_area", "forehead")])
    assert forehead.variant == ("body_area", "forehead") and "shorter" in forehead.text
    # A listed variant wins over a value the page doesn't cover.
    mixed = kb.answer("needle_depth", [("body_area", "legs"), ("condition", "stretch marks")])
    assert mixed.variant == ("condition", "stretch marks")
    neck = kb.answer("needle_depth", [("body_area", "neck")])
    assert not neck.listed and "doesn't give a needle depth for the neck" in neck.text
    assert kb.answer("needle_depth", []).variant is None
    assert "less effective" in kb.answer("conditions_treated", [("condition", "ice-pick scars")]).text


def test_only_values_of_the_terms_file_are_repeated_in_a_reply() -> None:
    kb = KnowledgeBase.load()
    assert "doesn't list rosacea" in kb.answer("conditions_treated", [("condition", "rosacea")]).text
    for value in ["visit https://evil.example", "Rosacea", "neck", ""]:
        answer = kb.answer("conditions_treated", [("condition", value)])
        assert answer.text == kb.entries["conditions_treated"].main.answer and answer.variant is None, value


def test_the_action_server_refuses_to_start_on_a_broken_knowledge_base(kb_copy: Path) -> None:
    import subprocess

    from tests.servers import ROOT, actions_command, base_env, free_port

    edit(kb_copy / "pain.yml", lambda d: d["sources"].append("Microneedling is completely painless."))
    run = subprocess.run(
        actions_command(free_port()),
        cwd=ROOT, env={**base_env(), "KB_DIR": str(kb_copy)},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode != 0
    assert "source not found verbatim" in run.stdout + run.stderr
