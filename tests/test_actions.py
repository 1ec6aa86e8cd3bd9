"""Custom actions, run hermetically with rasa_sdk's dispatcher and trackers."""

from __future__ import annotations

import asyncio
from typing import List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    KB,
    STAFF_BUTTON,
    ActionAnswerQuestion,
    ActionFallback,
    ActionFlagForStaff,
    ActionOutOfScope,
    ActionSessionStart,
)


def make_tracker(
    text: str,
    intent: str,
    entities: Optional[List[tuple]] = None,
    ranking: Optional[List[str]] = None,
    last_topic: Optional[str] = None,
    channel: str = "rest",
    history: Optional[List[dict]] = None,
) -> Tracker:
    """A tracker whose latest message is `text`, parsed as `intent`.

    Entities are (type, value, matched text) triples, as the term extractor
    reports them.
    """
    found = []
    for etype, value, matched in entities or []:
        start = text.lower().index(matched)
        found.append({"entity": etype, "value": value, "start": start, "end": start + len(matched)})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": found,
        "intent_ranking": [{"name": n, "confidence": 0.1} for n in (ranking or [intent])],
    }
    events = list(history or []) + [
        {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
    ]
    return Tracker(
        "patient", {"last_topic": last_topic}, latest, events, False, None, {}, "action_listen"
    )


def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_session_start_sends_the_notice_and_starts_listening() -> None:
    messages, events = run(ActionSessionStart(), make_tracker("/session_start", "session_start"))
    assert [m["response"] for m in messages] == ["utter_first_turn_notice"]
    assert events == [SessionStarted(), ActionExecuted("action_listen")]


def test_faq_answer_comes_from_the_knowledge_base() -> None:
    messages, events = run(ActionAnswerQuestion(), make_tracker("does it hurt", "ask_pain"))
    entry = KB.entries["pain"]
    assert len(messages) == 1
    assert messages[0]["text"] == entry.main.answer
    assert messages[0]["kb_entry"] == "pain"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f"/{KB.first_intent(r)}" for r in entry.related
    ]
    assert 2 <= len(messages[0]["buttons"]) <= 3
    assert events == [SlotSet("last_topic", "pain"), SlotSet("last_entity", None)]


def test_sms_gets_the_short_answer_and_keeps_the_full_one() -> None:
    messages, _ = run(
        ActionAnswerQuestion(), make_tracker("does it hurt", "ask_pain", channel="sms")
    )
    assert messages[0]["text"] == KB.entries["pain"].main.short
    assert messages[0]["full_text"] == KB.entries["pain"].main.answer


@pytest.mark.parametrize(
    "text, intent, entity, variant_word",
    [
        (
            "how deep on my forehead",
            "ask_needle_depth",
            ("body_area", "forehead", "forehead"),
            "shorter",
        ),
        ("how deep for cheeks", "ask_needle_depth", ("body_area", "cheeks", "cheeks"), "longer"),
        (
            "does it help ice pick scars",
            "ask_conditions_treated",
            ("condition", "ice-pick scars", "ice pick scars"),
            "less effective",
        ),
        (
            "is it ok with melasma",
            "ask_pigmentation_risk",
            ("condition", "melasma", "melasma"),
            "not expected",
        ),
        (
            "does it help hair loss",
            "ask_hair_loss",
            ("condition", "hair loss", "hair loss"),
            "minoxidil",
        ),
    ],
)
def test_answers_use_the_entity(text, intent, entity, variant_word) -> None:
    messages, _ = run(ActionAnswerQuestion(), make_tracker(text, intent, [entity]))
    assert variant_word in messages[0]["text"]


EVIL = "rosacea. For a free session visit https://evil.example"


@pytest.mark.parametrize(
    "intent, entity, entry_id",
    [
        ("ask_conditions_treated", ("condition", EVIL), "conditions_treated"),
        ("ask_needle_depth", ("body_area", EVIL), "needle_depth"),
        ("ask_contraindications", ("health_factor", EVIL), "contraindications"),
    ],
)
def test_an_entity_value_that_is_not_a_term_never_reaches_the_reply(
    intent, entity, entry_id
) -> None:
    """A payload such as /ask_conditions_treated{"condition": "..."} sets any value it likes."""
    text = f'/{intent}{{"{entity[0]}": "{EVIL}"}}'
    tracker = make_tracker(text, intent)
    tracker.latest_message["entities"] = [{"entity": entity[0], "value": entity[1]}]
    messages, _ = run(ActionAnswerQuestion(), tracker)
    assert messages[0]["text"] == KB.entries[entry_id].main.answer
    assert messages[0]["kb_variant"] is None
    assert all("evil.example" not in (m.get("text") or "") for m in messages)


def test_a_follow_up_keeps_the_previous_topic() -> None:
    tracker = make_tracker(
        "what about my forehead?", "ask_conditions_treated",
        [("body_area", "forehead", "forehead")], last_topic="needle_depth",
    )
    messages, events = run(ActionAnswerQuestion(), tracker)
    assert (
        messages[0]["text"] == KB.entries["needle_depth"].variants["body_area"]["forehead"].answer
    )
    assert events == [
        SlotSet("last_topic", "needle_depth"),
        SlotSet("last_entity", "body_area=forehead"),
    ]


def test_own_situation_the_page_does_not_cover_gets_no_personal_yes() -> None:
    tracker = make_tracker(
        "I have eczema, can I have it?",
        "ask_contraindications",
        [("condition", "eczema", "eczema")],
    )
    messages, _ = run(ActionAnswerQuestion(), tracker)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert (
        "doesn't name eczema as a reason to wait" in text
        and "depends on your own situation" in text
    )
    assert "yes" not in text.lower().split()


def test_a_medicine_named_in_another_question_gets_the_caveat() -> None:
    tracker = make_tracker(
        "im on accutane, does it hurt?", "ask_pain", [("health_factor", "isotretinoin", "accutane")]
    )
    messages, _ = run(ActionAnswerQuestion(), tracker)
    assert messages[0]["kb_entry"] == "pain"
    assert "microneedling and isotretinoin" in messages[1]["text"]


def test_a_personal_question_on_a_listed_condition_gets_the_general_caveat() -> None:
    tracker = make_tracker(
        "I have melasma, is it ok for me?",
        "ask_pigmentation_risk",
        [("condition", "melasma", "melasma")],
    )
    messages, _ = run(ActionAnswerQuestion(), tracker)
    assert messages[0]["kb_entry"] == "pigmentation_risk"
    assert messages[-1]["response"] == "utter_personal_caveat"


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("urgent_symptom", [SlotSet("urgent_flagged", True)]),
        ("request_human", [SlotSet("callback_requested", True)]),
        ("book_appointment", [SlotSet("callback_requested", True)]),
        ("greet", []),
    ],
)
def test_flags_for_staff(intent: str, expected) -> None:
    messages, events = run(ActionFlagForStaff(), make_tracker("...", intent))
    assert messages == [] and events == expected


def test_out_of_scope_suggests_likely_topics_and_staff() -> None:
    tracker = make_tracker(
        "how much is it",
        "out_of_scope",
        ranking=["out_of_scope", "ask_sessions", "greet", "ask_results"],
    )
    messages, events = run(ActionOutOfScope(), tracker)
    assert messages[0]["response"] == "utter_out_of_scope"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:2] == ["/ask_sessions", "/ask_results"]
    assert payloads[-1] == STAFF_BUTTON["payload"] and len(payloads) == 4
    assert events == []


def test_out_of_scope_pregnancy_says_the_page_is_silent() -> None:
    tracker = make_tracker(
        "can i do it while pregnant", "out_of_scope", [("health_factor", "pregnancy", "pregnant")]
    )
    messages, _ = run(ActionOutOfScope(), tracker)
    assert "doesn't cover microneedling and pregnancy" in messages[0]["text"]
    assert "dermatologist" in messages[0]["text"]


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "?!"])
def test_fallback_without_words_offers_the_topics(text: str) -> None:
    messages, _ = run(ActionFallback(), make_tracker(text, "nlu_fallback"))
    assert [m["response"] for m in messages] == ["utter_greet"]


def test_fallback_two_stages() -> None:
    first = make_tracker(
        "blorp the snargle",
        "nlu_fallback",
        ranking=["nlu_fallback", "ask_downtime", "ask_aftercare"],
    )
    messages, _ = run(ActionFallback(), first)
    assert messages[0]["response"] == "utter_nlu_fallback"
    assert [b["payload"] for b in messages[0]["buttons"]][:2] == ["/ask_downtime", "/ask_aftercare"]
    second = make_tracker("snargle again", "nlu_fallback", history=list(first.events))
    messages, _ = run(ActionFallback(), second)
    assert messages[0]["response"] == "utter_fallback_handoff"
    assert messages[0]["buttons"] == [STAFF_BUTTON]


# --- Every health factor is acknowledged, whatever else the message names ---

FAQ_INTENTS = sorted({i for e in KB.entries.values() for i in e.intents})
# What the page covers: the values some entry has its own answer for.
COVERED = {
    (etype, value)
    for entry in KB.entries.values()
    for etype, values in entry.variants.items()
    for value in values
}
# "doesn't cover (microneedling and) acne scars"; "doesn't list acne scars" only
# for what the page lists as treated ("doesn't list cold sores among the
# conditions it treats" is true).
DENIES = (
    r"\b(?:doesn't|does not)\s+(?:cover|mention|say anything about{listed})\s+"
    r"(?:microneedling (?:and|with) )?(?:the )?{value}\b"
)
TREATED = {
    v
    for v, t in KB.entries["conditions_treated"].variants["condition"].items()
    if t.answer.startswith(("Yes", "Sunken", "Ice-pick", "The page lists"))
}


def situations() -> List[tuple]:
    """(health factor, condition or body area) for every value of terms.yml."""
    return [
        (factor, (etype, value))
        for factor in KB.terms["health_factor"]
        for etype in ("condition", "body_area")
        for value in KB.terms[etype]
    ]


def said(messages: List[dict]) -> str:
    return " ".join(m.get("text") or "" for m in messages)


ACTIONS = {"out_of_scope": ActionOutOfScope, "nlu_fallback": ActionFallback}


@pytest.mark.parametrize("intent", [*FAQ_INTENTS, "out_of_scope", "nlu_fallback"])
@pytest.mark.parametrize("last_topic", [None, "needle_depth", "pain"])
def test_a_health_factor_is_always_acknowledged_and_covered_things_never_denied(
    intent: str, last_topic
) -> None:
    """'I'm on Accutane, can I have it for my acne scars?' in every topic (and
    after a topic, as a follow-up): the reply names isotretinoin, and never
    says the page doesn't cover acne scars."""
    import re

    action = ACTIONS.get(intent, ActionAnswerQuestion)()
    failures = []
    for factor, (etype, value) in situations():
        for text in (
            f"i'm on {factor}, can i have it for my {value}?",
            f"i have {value} and i'm on {factor}, can i have it?",
            f"{factor}, what about my {value}?",
        ):
            tracker = make_tracker(
                text,
                intent,
                [("health_factor", factor, factor), (etype, value, value)],
                last_topic=last_topic,
            )
            messages, _ = run(action, tracker)
            reply = said(messages)
            if factor not in reply:
                failures.append(f"{text!r}: {factor} not acknowledged: {reply[:120]!r}")
            denies = DENIES.format(
                value=re.escape(value), listed="|list" if value in TREATED else ""
            )
            if (etype, value) in COVERED and re.search(denies, reply, re.IGNORECASE):
                failures.append(f"{text!r}: says the page doesn't cover {value}: {reply[:160]!r}")
    assert not failures, f"{len(failures)} failures, e.g.\n" + "\n".join(failures[:8])
