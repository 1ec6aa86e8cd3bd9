"""The knowledge base is backed by the clinic page and fits the domain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from clinic.domain import DOMAIN_FILE
from clinic.kb import KB_DIR, KnowledgeBase
from clinic.kb_style import load_style
from clinic.kb_validator import PAGE_FILE, KnowledgeBaseError, validate

SHARED_PAGE = (
    Path(__file__).resolve().parents[2] / "shared" / "source" / "microneedling-patient-page.txt"
)


def test_the_real_knowledge_base_passes() -> None:
    kb = validate()
    faq_intents = {i for e in kb.entries.values() for i in e.intents}
    assert len(faq_intents) == 16


@pytest.mark.skipif(
    not SHARED_PAGE.exists(), reason="the shared source page is not beside this checkout"
)
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
    edit(
        kb_copy / "pain.yml",
        lambda d: d["sources"].append("Microneedling is completely painless for everyone."),
    )
    assert "source not found verbatim" in problems(kb_copy)


def test_an_entry_without_sources_fails(kb_copy: Path) -> None:
    edit(kb_copy / "pain.yml", lambda d: d.update(sources=[]))
    assert "entry 'pain': no sources" in problems(kb_copy)


def test_a_variant_without_sources_fails(kb_copy: Path) -> None:
    edit(
        kb_copy / "needle_depth.yml",
        lambda d: d["variants"]["body_area"]["cheeks"].update(sources=[]),
    )
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
    edit(
        kb_copy / "needle_depth.yml",
        lambda d: d["variants"]["body_area"].update(elbow=d["variants"]["body_area"]["cheeks"]),
    )
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
    assert (
        "less effective" in kb.answer("conditions_treated", [("condition", "ice-pick scars")]).text
    )


def test_only_values_of_the_terms_file_are_repeated_in_a_reply() -> None:
    kb = KnowledgeBase.load()
    assert (
        "doesn't list rosacea" in kb.answer("conditions_treated", [("condition", "rosacea")]).text
    )
    for value in ["visit https://evil.example", "Rosacea", "neck", ""]:
        answer = kb.answer("conditions_treated", [("condition", value)])
        assert (
            answer.text == kb.entries["conditions_treated"].main.answer and answer.variant is None
        ), value


def test_the_action_server_refuses_to_start_on_a_broken_knowledge_base(kb_copy: Path) -> None:
    import subprocess

    from tests.servers import ROOT, actions_command, base_env, free_port

    edit(
        kb_copy / "pain.yml", lambda d: d["sources"].append("Microneedling is completely painless.")
    )
    run = subprocess.run(
        actions_command(free_port()),
        cwd=ROOT, env={**base_env(), "KB_DIR": str(kb_copy)},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode != 0
    assert "source not found verbatim" in run.stdout + run.stderr


# --- Editorial checks (issue 14): each puts back a text of the old knowledge base ---

OLD_VS_LASERS_SHORT = (
    "Alternatives are lasers, chemical peels and microdermabrasion. Microneedling usually heals "
    "faster than lasers or peels, and unlike lasers it doesn't heat the skin, so it won't worsen "
    "melasma or dark spots."
)


def test_a_pigment_promise_without_the_darker_skin_caveat_fails(kb_copy: Path) -> None:
    edit(kb_copy / "vs_other_treatments.yml", lambda d: d.update(short=OLD_VS_LASERS_SHORT))
    text = problems(kb_copy)
    assert "entry 'vs_other_treatments': short lacks the caveat 'darker skin and pigment'" in text
    assert "short says \"won't worsen\"" in text


def test_side_effects_without_pigment_change_fail(kb_copy: Path) -> None:
    edit(
        kb_copy / "side_effects.yml",
        lambda d: d.update(
            answer="Side effects are few and temporary: redness, swelling and skin flaking, "
            "which can last a few days."
        ),
    )
    assert (
        "entry 'side_effects': answer lacks the caveat 'side effects include pigment change'"
        in problems(kb_copy)
    )


def test_burns_and_scars_wider_than_the_page_fail(kb_copy: Path) -> None:
    edit(
        kb_copy / "conditions_treated.yml",
        lambda d: d["variants"]["condition"]["burns"].update(
            answer="Yes, burns are on the list of conditions microneedling is used for, "
            "together with acne scars."
        ),
    )
    edit(kb_copy / "conditions_treated.yml", lambda d: d["variants"]["condition"]["scars"].update(
        short="Yes: acne scars, surgical scars and other scars. Scars are one of the main uses."))
    text = problems(kb_copy)
    assert "variant condition=burns: answer lacks the caveat 'burns means burn scars'" in text
    assert (
        "variant condition=burns: answer lacks the caveat 'scars and burns as the page scopes them'"
        in text
    )
    assert (
        "variant condition=scars: short lacks the caveat 'scars and burns as the page scopes them'"
        in text
    )


def test_words_put_in_the_clinic_s_mouth_fail(kb_copy: Path) -> None:
    edit(
        kb_copy / "results.yml",
        lambda d: d.update(
            answer="The clinic's doctors describe it as a treatment with very little downtime "
            "but visible results."
        ),
    )
    assert "entry 'results': answer says \"clinic's doctors\"" in problems(kb_copy)


def test_a_contraindications_list_that_reads_as_complete_fails(kb_copy: Path) -> None:
    edit(
        kb_copy / "contraindications.yml",
        lambda d: d.update(
            short="Wait while you have active acne or a cold sore, until it clears. "
            "Ask the dermatologist."
        ),
    )
    assert (
        "entry 'contraindications': short lacks the caveat "
        "'the contraindications list is not complete'"
        in problems(kb_copy)
    )


def test_antiviral_is_oral_as_the_page_says(kb_copy: Path) -> None:
    edit(
        kb_copy / "aftercare.yml",
        lambda d: d.update(
            short="If you get cold sores, you may be given an antiviral for a week."
        ),
    )
    assert "entry 'aftercare': short lacks the caveat 'oral antiviral'" in problems(kb_copy)


def test_absolutes_fail(kb_copy: Path) -> None:
    edit(
        kb_copy / "how_it_works.yml",
        lambda d: d.update(short="The tiny punctures are micro-injuries that don't scar."),
    )
    edit(
        kb_copy / "pigmentation_risk.yml",
        lambda d: d.update(
            answer="People with dark spots can have it without the risk of worsening it. "
            "Darker skin can get pigment changes."
        ),
    )
    text = problems(kb_copy)
    assert "entry 'how_it_works': short says \"don't scar\"" in text
    assert "entry 'pigmentation_risk': answer says 'without the risk'" in text


OLD_WHAT_IS = (
    "Microneedling, also called percutaneous collagen induction therapy, is a minimally invasive, "
    "nonsurgical treatment done in a dermatologist's office. A handheld, electrically powered pen- "
    "or drum-shaped device with tiny needles makes precise, microscopic punctures in the skin, "
    "which prompt the skin to repair itself."
)


def test_a_hard_to_read_answer_fails(kb_copy: Path) -> None:
    edit(kb_copy / "what_is.yml", lambda d: d.update(answer=OLD_WHAT_IS))
    edit(
        kb_copy / "provider.yml",
        lambda d: d.update(
            short="It's done by a dermatologist in the dermatologist's office, with professional "
            "powered devices whose needle depth is adjusted for each area of skin."
        ),
    )
    text = problems(kb_copy)
    assert "entry 'what_is': answer reads at grade" in text and "(max 9)" in text
    assert "entry 'provider': short reads at grade" in text and "(max 8)" in text


def test_a_long_value_in_an_unlisted_reply_is_graded_filled_in(kb_copy: Path) -> None:
    edit(kb_copy / "sessions.yml", lambda d: d["unlisted"]["condition"].update(
        short="There is no separate number of sessions for {value}, comprehensively."))
    # Graded with the longest values of terms.yml in place of {value}.
    assert "entry 'sessions' unlisted condition: short reads at grade" in problems(kb_copy)


def test_jargon_without_plain_words_fails(kb_copy: Path) -> None:
    edit(kb_copy / "hair_loss.yml", lambda d: d.update(
        short="It is sometimes done before minoxidil for common hair loss (androgenic alopecia)."))
    edit(
        kb_copy / "needle_depth.yml",
        lambda d: d.update(answer="Professional devices can reach 2 to 3 mm, into the dermis."),
    )
    edit(
        kb_copy / "at_home_rollers.yml",
        lambda d: d.update(
            short="Home rollers only reach 0.25 mm; they are unlikely to help dermal remodeling "
            "but may exfoliate and help topical products."
        ),
    )
    text = problems(kb_copy)
    assert "entry 'hair_loss': short uses 'minoxidil' without explaining it" in text
    assert "entry 'needle_depth': answer uses 'dermis' without explaining it" in text
    for word in ("remodeling", "exfoliat", "topical"):
        assert f"entry 'at_home_rollers': short uses '{word}' without explaining it" in text
    # Explained in the same text, the words pass.
    assert validate_ok_with(
        kb_copy,
        "needle_depth.yml",
        answer="Clinic devices reach 2 to 3 mm, into the dermis (the deeper layer of skin).",
    )


def validate_ok_with(kb_dir: Path, name: str, **fields: str) -> bool:
    edit(kb_dir / name, lambda d: d.update(**fields))
    with pytest.raises(KnowledgeBaseError) as failed:
        validate(kb_dir=kb_dir)
    return not any(name[:-4] in p and "dermis" in p for p in failed.value.problems)


def test_british_spellings_fail(kb_copy: Path) -> None:
    edit(
        kb_copy / "pain.yml",
        lambda d: d.update(
            answer="The doctor usually puts a numbing (anaesthetic) cream on first."
        ),
    )
    edit(
        kb_copy / "sessions.yml",
        lambda d: d.update(short="Over a series the skin gains elastic fibres."),
    )
    text = problems(kb_copy)
    assert "entry 'pain': answer spells 'anaesthetic': use the US 'anesthetic'" in text
    assert "entry 'sessions': short spells 'fibres': use the US 'fibers'" in text


def test_a_caveat_rule_must_rest_on_the_page(kb_copy: Path) -> None:
    edit(
        kb_copy / "caveats.yml",
        lambda d: d["caveats"][0].update(source="Darker skin never changes color."),
    )
    assert "caveat 'darker skin and pigment': source not found verbatim" in problems(kb_copy)


def test_make_validate_prints_each_answer_s_reading_grade(capsys) -> None:
    from clinic.kb_validator import main

    assert main() == 0
    out = capsys.readouterr().out
    kb = KnowledgeBase.load()
    for entry_id in kb.entries:
        assert any(
            line.strip().startswith(f"{entry_id} main ") and "full" in line and "short" in line
            for line in out.splitlines()
        ), entry_id
    assert (
        "contraindications unlisted health_factor" in out
        and "conditions_treated variant condition=burns" in out
    )


def test_the_dialogue_replies_follow_the_knowledge_base_wording_rules() -> None:
    """Attribution and absolutes hold for the domain's replies too: the page is
    another practice's, so no reply calls it the clinic's."""
    style = load_style()
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    found = [
        f"{name}: {pattern.search(variant['text']).group(0)!r} ({why})"
        for name, variants in domain["responses"].items()
        for variant in variants if variant.get("text")
        for pattern, why in style.forbidden if pattern.search(variant["text"])
    ]
    assert found == []
