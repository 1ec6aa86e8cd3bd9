"""Entities, follow-up detection and framing, on parse data like Rasa's."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.understanding import (
    entities_of,
    is_personal_question,
)
from clinic.kb import KnowledgeBase
from nlp.language import looks_non_english

KB = KnowledgeBase.load()


def parse(text: str, *entities: tuple) -> dict:
    """Parse data with entities given as (type, value, matched text)."""
    found = []
    for etype, value, matched in entities:
        start = text.lower().index(matched)
        found.append({"entity": etype, "value": value, "start": start, "end": start + len(matched)})
    return {"text": text, "intent": {"name": "nlu_fallback"}, "entities": found}


def tracker(latest: dict, last_topic: str | None) -> Tracker:
    return Tracker("s", {"last_topic": last_topic}, latest, [], False, None, {}, "action_listen")


def test_entities_come_in_message_order_and_only_known_types() -> None:
    message = parse(
        "stretch marks on my tummy",
        ("body_area", "abdomen", "tummy"),
        ("condition", "stretch marks", "stretch marks"),
    )
    message["entities"].append({"entity": "time", "value": "tomorrow", "start": 0, "end": 1})
    assert entities_of(message) == [("condition", "stretch marks"), ("body_area", "abdomen")]


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("I have eczema, can I have it?", [("condition", "eczema")], True),
        ("im on accutane", [("health_factor", "isotretinoin")], True),
        ("is it suitable for me?", [], True),
        ("does it treat eczema?", [("condition", "eczema")], False),
        ("can I wear makeup after?", [], False),
    ],
)
def test_personal_questions(text: str, entities, expected: bool) -> None:
    assert is_personal_question(text, entities) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¿Duele el microneedling? ¿Cuánto cuesta?", True),
        ("Est-ce que le microneedling fait mal ?", True),
        ("微针治疗疼吗", True),
        ("does microneedling hurt", False),
        ("la la la does it hurt", False),
        ("how long is the downtime for my cheeks", False),
        ("gracias", True),
        ("hola", True),
        ("muchas gracias!", True),
        ("ok thanks", False),
        ("por favor", True),
        ("tengo acné, ¿me puede ayudar?", True),
        ("merci beaucoup", True),
        ("I said gracias to the nurse, was that rude?", False),
    ],
)
def test_non_english(text: str, expected: bool) -> None:
    assert looks_non_english(text) is expected
