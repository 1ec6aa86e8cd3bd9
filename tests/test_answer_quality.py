"""Answers a clinician would sign (issue 14), through the real Rasa and action servers.

One test per fault of the editorial review; each failed on the knowledge base
before the review's fixes. What is checked is what the patient reads.
"""

from __future__ import annotations

import re
from typing import List

from clinic.kb_style import FULL_MAX_GRADE, load_style, reading_grade


def said(servers, sender: str, message: str) -> str:
    """Every text the assistant sent for `message`, joined."""
    return " ".join(r.get("text") or "" for r in servers.send(sender, message))


def answers(servers, sender: str, message: str) -> List[str]:
    """The knowledge-base answers among the replies (the notice left out)."""
    texts = [r.get("text") or "" for r in servers.send(sender, message)]
    return [t for t in texts if "medical advice" not in t]


def test_a_melasma_promise_keeps_the_page_s_darker_skin_caveat(servers, sender) -> None:
    treats = said(servers, sender, "does microneedling treat melasma?")
    assert "melasma" in treats.lower() and "darker skin" in treats.lower(), treats
    versus = said(servers, f"{sender}-vs", "is microneedling better than a laser for dark spots?")
    assert "darker skin" in versus.lower(), versus
    effects = said(servers, f"{sender}-se", "what are the side effects of microneedling")
    assert "pigment" in effects.lower(), effects


def test_scars_and_burns_are_scoped_as_the_page_scopes_them(servers, sender) -> None:
    burns = said(servers, sender, "can microneedling help with burns?")
    assert "fresh burns" in burns and "burn scars" in burns, burns
    assert not burns.startswith("Yes, burns")
    scars = said(servers, f"{sender}-scars", "does microneedling work on scars?")
    assert "sunken" in scars.lower() and "keloid" in scars.lower(), scars


def test_quotes_are_the_page_s_not_the_clinic_s(servers, sender) -> None:
    results = said(servers, sender, "when will I actually see results")
    assert "clinic's doctors" not in results and "the page" in results, results
    assert "high satisfaction" not in results and "highly satisfied" not in results
    provider = said(
        servers, f"{sender}-who", "who actually does the treatment, a nurse or a doctor?"
    )
    assert "plastic surgery practice" in provider, provider


def test_the_contraindications_list_does_not_read_as_complete(servers, sender) -> None:
    reply = said(servers, sender, "who is not allowed to have microneedling")
    assert "not a complete list" in reply, reply
    for named in ("Pregnancy", "isotretinoin", "blood thinners", "keloids", "dermatologist's call"):
        assert named in reply, (named, reply)


def test_a_health_factor_is_not_lost_with_a_condition(servers, sender) -> None:
    accutane = said(servers, sender, "I'm on Accutane, can I have it for my acne scars?")
    assert "isotretinoin" in accutane, accutane
    assert not re.search(r"doesn't cover (microneedling and )?acne scars", accutane), accutane
    pregnant = said(servers, f"{sender}-preg", "I'm pregnant and have melasma, can I have it?")
    assert "pregnancy" in pregnant and "dermatologist" in pregnant, pregnant


def test_answers_read_plainly_in_us_english(servers, sender) -> None:
    style = load_style()
    for i, message in enumerate([
        "so what exactly is microneedling? never heard of it before",
        "can microneedling help my thinning hair",
        "does microneedling hurt??",
        "are those derma rollers you buy online any good",
        "how do tiny needle holes actually make your skin better?",
    ]):
        for text in answers(servers, f"{sender}-{i}", message):
            assert reading_grade(text) <= FULL_MAX_GRADE, (message, reading_grade(text), text)
            for word in ("percutaneous", "alopecia", "anaesthetic", "fibres", "remodelling"):
                assert word not in text.lower(), (message, word)
            for term, plain in style.jargon:
                assert not term.search(text) or plain.search(text), (message, term.pattern, text)


def test_no_absolutes_about_scars_or_risk(servers, sender) -> None:
    for i, message in enumerate([
        "how do tiny needle holes actually make your skin better?",
        "what are the risks or side effects of microneedling",
        "I have melasma, will microneedling make it worse?",
    ]):
        reply = said(servers, f"{sender}-{i}", message).lower()
        for absolute in ("do not leave scars", "don't scar", "without the risk", "won't worsen"):
            assert absolute not in reply, (message, absolute, reply)
