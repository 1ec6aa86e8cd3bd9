"""Follow-ups, repeats and several questions in one message (issue 13, items 4, 6, 7):
the pure rules of actions/topics.py and actions/multi_topic.py, and the turn
the answering action builds from them, without a server."""

from __future__ import annotations

import asyncio
from typing import List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import KB, ActionAnswerQuestion, ActionOutOfScope
from actions.multi_topic import clauses, topics_asked
from actions.topics import REPEAT_PREFIX, follow_up, is_repeat, repeat_text

KNOWN = list(KB.entries)


def parse(
    text: str, *entities: tuple, intent: str = "nlu_fallback", ranking: Optional[List[str]] = None
) -> dict:
    """Parse data with entities given as (type, value, matched text)."""
    found = []
    for etype, value, matched in entities:
        start = text.lower().index(matched)
        found.append({"entity": etype, "value": value, "start": start, "end": start + len(matched)})
    return {
        "text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": found,
        "intent_ranking": [{"name": n, "confidence": 0.1} for n in (ranking or [intent])],
    }


def where(message: dict, last_topic: Optional[str], last_entity: Optional[str] = None):
    found = follow_up(KB, message, last_topic, last_entity)
    return (found.entry_id, found.entities) if found else None


# --- item 4: a follow-up keeps the topic and its entity ---------------------

@pytest.mark.parametrize(
    "message, last_topic, last_entity, expected",
    [
        # a dimension of the topic
        (parse("how far apart?"), "sessions", None, ("sessions", ())),
        (parse("and how often?"), "sessions", None, ("sessions", ())),
        (
            parse("how many weeks between them"),
            "sessions",
            "condition=stretch marks",
            ("sessions", (("condition", "stretch marks"),)),
        ),
        (parse("no i mean after"), "pain", None, ("side_effects", ())),
        (parse("No, I meant afterwards"), "pain", None, ("side_effects", ())),
        (parse("will it be sore after?"), "pain", None, ("side_effects", ())),
        (parse("does it work for women?"), "hair_loss", None, ("hair_loss", ())),
        (parse("is that for men too"), "hair_loss", None, ("hair_loss", ())),
        # an entity in a follow-up form, in the topic's own terms
        (
            parse("for stretch marks?", ("condition", "stretch marks", "stretch marks")),
            "sessions",
            None,
            ("sessions", (("condition", "stretch marks"),)),
        ),
        (
            parse("what about for acne scars?", ("condition", "acne scars", "acne scars")),
            "at_home_rollers",
            None,
            ("at_home_rollers", (("condition", "acne scars"),)),
        ),
        (
            parse("and the deep narrow ones?"),
            "conditions_treated",
            "condition=acne scars",
            ("conditions_treated", (("condition", "ice-pick scars"),)),
        ),
        (
            parse("what about on my back?", ("body_area", "back", "my back")),
            "pain",
            None,
            ("pain", (("body_area", "back"),)),
        ),
        # the older rule still holds: only an entity, and the topic has variants for it
        (
            parse("Forehead?", ("body_area", "forehead", "forehead")),
            "needle_depth",
            None,
            ("needle_depth", (("body_area", "forehead"),)),
        ),
    ],
)
def test_follow_ups_stay_in_the_topic(message, last_topic, last_entity, expected) -> None:
    assert where(message, last_topic, last_entity) == expected


@pytest.mark.parametrize(
    "message, last_topic",
    [
        # a new question, however short
        (parse("how long is the downtime?"), "sessions"),
        (parse("what should I do after the treatment to look after my skin?"), "pain"),
        (parse("does it hurt after?"), "sessions"),  # "after" is a dimension of pain only
        # no current topic, or a long message
        (parse("how far apart?"), None),
        (
            parse(
                "what about for acne scars, my friend says her dermatologist did a series "
                "and it worked",
                ("condition", "acne scars", "acne scars"),
            ),
            "at_home_rollers",
        ),
        # a health factor is a question of its own (contraindications)
        (parse("what about if pregnant?", ("health_factor", "pregnancy", "pregnant")), "pain"),
        # a condition the topic says nothing about: the classifier decides
        (parse("and for acne scars?", ("condition", "acne scars", "acne scars")), "pain"),
        # a named entity in a question that is not a follow-up form
        (
            parse("how deep for stretch marks", ("condition", "stretch marks", "stretch marks")),
            "conditions_treated",
        ),
    ],
)
def test_new_questions_are_not_follow_ups(message, last_topic) -> None:
    assert where(message, last_topic) is None


# --- item 6: no same paragraph twice in a row --------------------------------

def test_repeat_is_the_same_entry_and_variant() -> None:
    pain = KB.answer("pain")
    scars = KB.answer("conditions_treated", [("condition", "acne scars")])
    assert is_repeat(pain, "pain", None)
    assert not is_repeat(pain, "downtime", None)
    assert is_repeat(scars, "conditions_treated", "condition=acne scars")
    assert not is_repeat(scars, "conditions_treated", None)
    assert not is_repeat(scars, "conditions_treated", "condition=stretch marks")


@pytest.mark.parametrize("entry_id", sorted(KB.entries))
def test_repeats_are_shorter_and_never_the_previous_text(entry_id: str) -> None:
    answer = KB.answer(entry_id)
    web, sms = repeat_text(answer, on_sms=False), repeat_text(answer, on_sms=True)
    assert web.startswith(REPEAT_PREFIX) and sms.startswith(REPEAT_PREFIX)
    assert web != answer.text and len(web) < len(answer.text)
    assert sms != answer.short and len(sms) <= len(web)


def test_repeat_drops_a_leading_yes() -> None:
    answer = KB.answer("conditions_treated", [("condition", "stretch marks")])
    assert repeat_text(answer, False).startswith("As I mentioned, stretch marks are")


# --- item 7: clauses and the topics they ask about ---------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("does it hurt and how long is the downtime", ["does it hurt", "how long is the downtime"]),
        ("does it hurt? how many sessions?", ["does it hurt?", "how many sessions?"]),
        (
            "I'm nervous. Does it hurt; what's the recovery like",
            ["I'm nervous", "Does it hurt", "what's the recovery like"],
        ),
        (
            "how long are the needles, how deep do they go",
            ["how long are the needles, how deep do they go"],
        ),
    ],
)
def test_clauses(text: str, expected: List[str]) -> None:
    assert clauses(text) == expected


@pytest.mark.parametrize(
    "text, primary, expected",
    [
        ("does it hurt and how long is the downtime", "ask_pain", ["pain", "downtime"]),
        ("how many sessions do I need and how long is the recovery and does it hurt", None,
         ["sessions", "downtime", "pain"]),
        ("I'm 40 and my acne scars bother me. Does it hurt? How many sessions would I need? "
         "And what's the downtime like? Also do home rollers work?", "ask_sessions",
         ["sessions", "pain", "downtime"]),  # at most three
        # one question, whatever words it shares with others
        ("what should I put on my skin and avoid after the treatment", "ask_aftercare", []),
        ("how long does the redness and swelling last", "ask_downtime", []),
        ("does it hurt and is it painful afterwards", "ask_pain", []),
        ("what are the risks or side effects", "ask_side_effects", []),
        # a statement is not a question
        ("I want to know about downtime and I hate pain", None, []),
    ],
)
def test_topics_asked(text: str, primary: Optional[str], expected: List[str]) -> None:
    entry = KB.entry_for_intent(primary)
    assert topics_asked(text, entry.id if entry else None, KNOWN) == expected


# --- the turn the action builds ------------------------------------------------

def run(action, latest: dict, slots: dict, channel: str = "rest"):
    events = [
        {"event": "user", "text": latest["text"], "parse_data": latest, "input_channel": channel}
    ]
    tracker = Tracker("patient", slots, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in result if e.get("event") == "slot"}


def test_home_rollers_then_acne_scars_is_answered_for_home_rollers() -> None:
    message = parse(
        "what about for acne scars?",
        ("condition", "acne scars", "acne scars"),
        intent="ask_conditions_treated",
    )
    messages, slots = run(ActionAnswerQuestion(), message, {"last_topic": "at_home_rollers"})
    assert messages[0]["kb_entry"] == "at_home_rollers"
    assert "very unlikely" in messages[0]["text"] and "acne scars" in messages[0]["text"]
    assert (
        slots.items()
        >= {"last_topic": "at_home_rollers", "last_entity": "condition=acne scars"}.items()
    )


def test_a_repeat_on_the_web_and_on_sms() -> None:
    message = parse("so will I feel anything?", intent="ask_pain")
    web, _ = run(ActionAnswerQuestion(), message, {"last_topic": "pain"})
    assert web[0]["text"] == repeat_text(KB.answer("pain"), False)
    sms, _ = run(ActionAnswerQuestion(), message, {"last_topic": "pain"}, channel="sms")
    assert sms[0]["text"] == repeat_text(KB.answer("pain"), True) != KB.entries["pain"].main.short
    assert sms[0]["full_text"] == KB.entries["pain"].main.answer  # MORE still gives the details


def test_two_questions_on_the_web_get_two_answers_and_on_sms_one_and_an_option() -> None:
    message = parse(
        "does it hurt and how long is the downtime",
        intent="ask_pain",
        ranking=["ask_pain", "ask_downtime"],
    )
    web, slots = run(ActionAnswerQuestion(), message, {})
    assert [m["kb_entry"] for m in web] == ["pain", "downtime"]
    assert web[0]["text"] == KB.entries["pain"].main.answer
    assert web[1]["text"] == KB.entries["downtime"].main.short
    assert not web[0]["buttons"] and "/ask_downtime" not in [
        b["payload"] for b in web[1]["buttons"]
    ]
    assert slots["last_topic"] == "pain"
    sms, _ = run(ActionAnswerQuestion(), message, {}, channel="sms")
    assert len(sms) == 1 and sms[0]["text"] == KB.entries["pain"].main.short
    assert sms[0]["buttons"][0]["payload"] == "/ask_downtime"


def test_three_questions_classified_out_of_scope_are_still_answered() -> None:
    message = parse(
        "how many sessions do I need and how long is the recovery and does it hurt",
        intent="out_of_scope",
    )
    messages, _ = run(ActionOutOfScope(), message, {})
    assert [m.get("kb_entry") for m in messages] == ["sessions", "downtime", "pain"]


def test_another_treatment_is_not_answered_as_several_topics() -> None:
    message = parse("does tattoo removal hurt and how long is the downtime",
                    ("treatment", "tattoo removal", "tattoo removal"), intent="out_of_scope")
    messages, _ = run(ActionOutOfScope(), message, {})
    assert not [m for m in messages if m.get("kb_entry")]


@pytest.mark.parametrize(
    "text",
    [
        "I've got a cold sore and can I still have my session tomorrow?",
        "I'm pregnant and is it safe?",
        "I had it done last week and is my cold sore a problem?",
    ],
)
def test_words_shared_with_a_topic_do_not_add_it(text: str) -> None:
    assert topics_asked(text, "contraindications", KNOWN) == []
