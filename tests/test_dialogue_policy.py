"""The conversation-state policy and the after-treatment reading, on their own
(policies/conversation_state.py, actions/after_treatment.py)."""

from __future__ import annotations

from typing import List

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.after_treatment import beyond_normal
from policies.conversation_state import next_action


def user(intent: str, text: str = "...") -> List[Event]:
    return [UserUttered(text, intent={"name": intent, "confidence": 0.9})]


def bot(action: str, *slots: SlotSet) -> List[Event]:
    return [ActionExecuted(action), BotUttered("..."), *slots, ActionExecuted("action_listen")]


def tracker(*turns: List[Event]) -> DialogueStateTracker:
    events: List[Event] = [ActionExecuted("action_listen")]
    for turn in turns:
        events.extend(turn)
    return DialogueStateTracker.from_events("test", events, slots=[])


def with_slots(t: DialogueStateTracker, **values) -> DialogueStateTracker:
    from rasa.shared.core.slots import AnySlot

    for name, value in values.items():
        t.slots[name] = AnySlot(name, mappings=[{"type": "custom"}], initial_value=value)
    return t


@pytest.mark.parametrize("intent", ["affirm", "deny", "ask_reassurance"])
def test_right_after_a_decline_reassurance_gets_the_decision_repeated(intent) -> None:
    t = tracker(
        user("ask_contraindications"),
        bot("action_answer_question", SlotSet("declined", True)),
        user(intent),
    )
    assert next_action(t) == "utter_decline_reassure"


def test_the_decline_holds_while_the_patient_keeps_asking_for_a_yes() -> None:
    t = tracker(
        user("ask_contraindications"), bot("action_answer_question", SlotSet("declined", True)),
        user("ask_reassurance"), bot("utter_decline_reassure"), user("affirm"),
    )
    assert next_action(t) == "utter_decline_reassure"


def test_a_decline_two_questions_ago_no_longer_holds() -> None:
    t = tracker(
        user("ask_contraindications"),
        bot("action_answer_question", SlotSet("declined", True)),
        user("ask_sessions"),
        bot("action_answer_question", SlotSet("declined", False)),
        user("affirm"),
    )
    assert next_action(t) is None


def test_another_question_after_a_decline_is_answered_by_the_rules() -> None:
    t = tracker(
        user("ask_contraindications"),
        bot("action_answer_question", SlotSet("declined", True)),
        user("ask_downtime"),
    )
    assert next_action(t) is None


@pytest.mark.parametrize(
    "intent", ["ask_downtime", "affirm", "thank", "nlu_fallback", "ask_reassurance"]
)
def test_once_urgent_every_other_turn_gets_the_reminder(intent) -> None:
    t = with_slots(tracker(user("urgent_symptom"), bot("utter_urgent_symptom"), user(intent)),
                   urgent_flagged=True, urgency="now")
    assert next_action(t) == "utter_urgent_reminder"


def test_a_reaction_to_call_about_today_gets_todays_reminder() -> None:
    t = with_slots(
        tracker(user("urgent_symptom"), bot("utter_urgent_call_today"), user("ask_side_effects")),
        urgent_flagged=True,
        urgency="today",
    )
    assert next_action(t) == "utter_urgent_reminder_today"


def test_a_new_urgent_message_goes_to_the_urgent_rules() -> None:
    t = with_slots(
        tracker(user("urgent_symptom"), bot("utter_urgent_symptom"), user("urgent_symptom")),
        urgent_flagged=True,
        urgency="now",
    )
    assert next_action(t) is None


def test_after_its_own_reply_the_policy_listens() -> None:
    t = with_slots(tracker(user("urgent_symptom"), bot("utter_urgent_symptom"), user("thank")),
                   urgent_flagged=True)
    t.update(ActionExecuted("utter_urgent_reminder"))
    assert next_action(t) == "action_listen"


def test_every_message_in_another_language_gets_the_notice() -> None:
    t = tracker(user("ask_pain", "¿duele mucho el tratamiento?"))
    assert next_action(t) == "utter_only_english"
    assert next_action(tracker(user("thank", "gracias"))) == "utter_only_english"
    assert next_action(tracker(user("ask_pain", "does it hurt much"))) is None


@pytest.mark.parametrize("text", [
    "Day 5, redness still hasn't gone and there are bumps like whiteheads",
    "3 weeks after microneedling I have new dark patches",
    "its been a week and im still peeling, is that ok",
    "treatment was 10 days ago and the brown patches are darker than before",
    "two weeks post treatment and I have tiny white bumps everywhere",
])
def test_beyond_what_the_page_calls_normal(text) -> None:
    assert beyond_normal(text)


@pytest.mark.parametrize("text", [
    "had microneedling yesterday, face is red, is this normal?",
    "how long does redness last after microneedling",
    "I had it done 2 days ago and I am still a bit pink",
    "will I have new dark patches after",
    "is it normal to peel for a week after microneedling?",
    "my acne is getting worse, can I have microneedling?",
    "what happens on day 5",
])
def test_within_what_the_page_calls_normal_or_not_a_report(text) -> None:
    assert not beyond_normal(text)


def test_an_earlier_message_saying_treated_counts() -> None:
    assert not beyond_normal("I've got new brown spots that are getting darker")
    assert beyond_normal("I've got new brown spots that are getting darker", treated_before=True)
