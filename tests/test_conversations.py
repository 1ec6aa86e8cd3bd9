"""End-to-end conversations with the real Rasa and action servers over REST.

What the patient sees is checked in the replies; what staff will see (flags,
knowledge-base entries) in the SQLite tracker store Rasa wrote.
"""

from __future__ import annotations

from typing import List

import pytest
import yaml

from clinic.config import PROJECT_ROOT as ROOT
from clinic.config import load_clinic
from clinic.kb import KnowledgeBase
from nlu_eval.harness import read_examples

KB = KnowledgeBase.load()
CLINIC = load_clinic()

# One realistic message per FAQ topic, not taken from the training data.
FAQ_MESSAGES = {
    "what_is": "so what exactly is microneedling? never heard of it before",
    "how_it_works": "how do tiny needle holes actually make your skin better?",
    "pain": "does microneedling hurt??",
    "downtime": "how many days will I be red before I can go back to the office",
    "side_effects": "what are the risks or side effects of microneedling",
    "aftercare": "what should I put on my skin and avoid after the treatment",
    "at_home_rollers": "are those derma rollers you buy online any good",
    "pigmentation_risk": "I have dark brown skin, will microneedling leave me with dark marks",
    "conditions_treated": "what skin problems can microneedling fix",
    "sessions": "how many sessions would I need",
    "results": "when will I actually see results",
    "contraindications": "who is not allowed to have microneedling",
    "needle_depth": "how long are the needles, how deep do they go",
    "vs_other_treatments": "is microneedling better than a chemical peel or laser",
    "hair_loss": "can microneedling help my thinning hair",
    "provider": "who actually does the treatment, a nurse or a doctor?",
}


def texts(replies: List[dict]) -> List[str]:
    return [r.get("text", "") for r in replies]


def bot_events(servers, sender: str) -> List[dict]:
    return [e for e in servers.events(sender) if e["event"] == "bot"]


def slot_values(servers, sender: str, name: str) -> list:
    return [
        e["value"] for e in servers.events(sender) if e["event"] == "slot" and e["name"] == name
    ]


def test_every_topic_of_the_page_is_answered(servers, sender) -> None:
    assert set(FAQ_MESSAGES) == set(KB.entries)
    wrong = []
    for entry_id, message in FAQ_MESSAGES.items():
        conversation = f"{sender}-{entry_id}"
        replies = servers.send(conversation, message)
        # besides the answer only the notice, and a caveat for a personal question
        answered = [
            e["metadata"].get("kb_entry") or e["metadata"].get("utter_action")
            for e in bot_events(servers, conversation)
            if e["metadata"].get("utter_action")
            not in ("utter_first_turn_notice", "utter_personal_caveat")
        ]
        if answered != [entry_id] or KB.entries[entry_id].main.answer not in texts(replies):
            wrong.append((message, answered))
    assert not wrong


def test_first_reply_carries_the_notice_and_only_the_first(servers, sender) -> None:
    first = texts(servers.send(sender, "hi"))
    assert "not personal medical advice" in first[0]
    assert CLINIC.name in first[0]
    second = texts(servers.send(sender, "does it hurt?"))
    assert not any("medical advice" in t for t in second)


def test_answers_offer_related_topics_that_work_as_buttons(servers, sender) -> None:
    replies = servers.send(sender, "does microneedling hurt?")
    answer = replies[-1]
    assert "numb" in answer["text"]
    buttons = answer["buttons"]
    assert 2 <= len(buttons) <= 3
    # pressing a button sends its payload, which must answer that topic
    pressed = servers.send(sender, buttons[0]["payload"])
    assert pressed[-1]["text"] == KB.entries[KB.by_intent[buttons[0]["payload"][1:]].id].main.answer


def test_needle_depth_follow_up_by_body_area(servers, sender) -> None:
    servers.send(sender, "how deep do the needles go?")
    forehead = servers.send(sender, "what about my forehead?")
    assert (
        forehead[-1]["text"] == KB.entries["needle_depth"].variants["body_area"]["forehead"].answer
    )
    tummy = servers.send(sender, "and on my tummy?")
    assert tummy[-1]["text"] == KB.entries["needle_depth"].variants["body_area"]["abdomen"].answer


def test_conditions_follow_up_by_condition(servers, sender) -> None:
    servers.send(sender, "does microneedling work for acne scars?")
    reply = servers.send(sender, "and stretch marks?")
    assert (
        reply[-1]["text"]
        == KB.entries["conditions_treated"].variants["condition"]["stretch marks"].answer
    )
    icepick = servers.send(sender, "what about ice pick scars")
    assert "less effective" in icepick[-1]["text"]


@pytest.mark.parametrize("message, value", [
    ("does microneedling help with dark circles under my eyes?", "dark circles"),
    ("will it tighten saggy skin on my neck", "sagging skin"),
    ("is it any good for cellulite", "cellulite"),
])
def test_a_condition_the_page_does_not_list_is_not_claimed(servers, sender, message, value) -> None:
    reply = servers.send(sender, message)[-1]["text"]
    unlisted = KB.entries["conditions_treated"].unlisted["condition"].answer
    assert reply == unlisted.replace("{value}", value)


def test_urgent_symptom_gets_numbers_at_once_and_is_flagged(servers, sender) -> None:
    servers.send(sender, "hi")
    replies = texts(
        servers.send(sender, "2 days after microneedling my cheek is oozing pus and I have a fever")
    )
    assert len(replies) == 1
    assert CLINIC.phone in replies[0] and CLINIC.emergency_number in replies[0]
    assert slot_values(servers, sender, "urgent_flagged") == [True]


@pytest.mark.parametrize(
    "message, must_contain",
    [
        ("can I speak to a real person please", CLINIC.phone),
        ("I'd like to book an appointment for microneedling", CLINIC.booking_url),
    ],
)
def test_human_and_booking_requests_give_details_and_flag_a_call_back(
    servers, sender, message, must_contain
) -> None:
    replies = texts(servers.send(sender, message))
    assert any(must_contain in t for t in replies)
    assert slot_values(servers, sender, "callback_requested") == [True]


def test_out_of_scope_is_honest_and_offers_topics_and_staff(servers, sender) -> None:
    replies = servers.send(sender, "how much does microneedling cost and does insurance cover it?")
    last = replies[-1]
    assert "can't answer" in last["text"]
    assert [b["payload"] for b in last["buttons"]][-1] == "/request_human"
    # no knowledge-base answer was given for it
    assert not [e for e in bot_events(servers, sender) if e["metadata"].get("kb_entry")]


@pytest.mark.parametrize(
    "message, named",
    [
        ("I'm pregnant, can I still get microneedling?", "pregnancy"),
        ("I take isotretinoin, is microneedling ok?", "isotretinoin"),
        ("I have keloids, can I have it done?", "keloids"),
    ],
)
def test_own_situation_gets_facts_and_the_dermatologist_not_a_yes(
    servers, sender, message, named
) -> None:
    reply = " ".join(texts(servers.send(sender, message))).lower()
    assert named in reply
    assert "dermatologist" in reply
    assert "yes, you can" not in reply and "you can have it" not in reply


def test_unknown_questions_get_suggestions_then_staff(servers, sender) -> None:
    servers.send(sender, "hello")
    first = servers.send(sender, "what is the airspeed velocity of an unladen swallow")
    assert "/request_human" in [b["payload"] for b in first[-1].get("buttons", [])]
    second = servers.send(sender, "purple monkey dishwasher quantum")
    assert CLINIC.phone in second[-1]["text"]
    # neither was answered with a knowledge-base entry
    assert not [e for e in bot_events(servers, sender) if e["metadata"].get("kb_entry")]


def test_bot_challenge_and_small_talk(servers, sender) -> None:
    assert "not a person" in texts(servers.send(sender, "am I talking to a bot?"))[-1]
    assert "welcome" in texts(servers.send(sender, "thanks!"))[-1].lower()
    assert "Take care" in texts(servers.send(sender, "bye"))[-1]


def test_every_reply_in_the_store_names_its_source(servers, sender) -> None:
    servers.send(sender, "does it hurt")
    servers.send(sender, "my face is swollen and blistering and I feel feverish")
    for event in bot_events(servers, sender):
        meta = event["metadata"]
        assert meta.get("kb_entry") or meta.get("utter_action"), event


def test_domain_responses_are_filled_from_the_clinic_file(servers, sender) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert all("555" not in v["text"] for r in domain["responses"].values() for v in r)
    replies = texts(servers.send(sender, "can I talk to someone at the clinic"))
    assert not any("{" in t for t in replies)


PRE_TREATMENT = [t for t, _ in read_examples(ROOT / "tests" / "nlu" / "pre_treatment.yml")]
COMPLICATION_REPLY = "could be a complication"


def test_a_condition_named_before_a_treatment_gets_wait_and_reschedule_not_the_complication_reply(
    servers, sender
) -> None:
    """Issue 12: "got a cold sore atm, can I still be treated?" needs the
    contraindication answer and "call to reschedule", never the alarm."""
    wrong, rescheduled = [], 0
    for i, message in enumerate(PRE_TREATMENT):
        replies = " ".join(texts(servers.send(f"{sender}-{i}", message)))
        if COMPLICATION_REPLY in replies or "call " + CLINIC.name + " today" in replies:
            wrong.append(message)
        rescheduled += "to move it until this has cleared" in replies
    assert not wrong, wrong
    # the ones the keywords would have flagged get the reschedule line at least
    assert rescheduled >= 10
    assert not [
        v
        for i in range(len(PRE_TREATMENT))
        for v in slot_values(servers, f"{sender}-{i}", "urgent_flagged")
    ]


def test_a_cold_sore_before_the_appointment_is_answered_with_the_page_and_the_number(
    servers, sender
) -> None:
    replies = texts(
        servers.send(
            sender,
            "cold sore on my lip since yesterday and my session is on thursday, can i still come",
        )
    )
    joined = " ".join(replies)
    assert "cleared" in joined and CLINIC.phone in joined and COMPLICATION_REPLY not in joined
    entries = [e["metadata"].get("kb_entry") for e in bot_events(servers, sender)]
    assert "contraindications" in entries


@pytest.mark.parametrize("message", [
    "I have a cold sore, can you move my appointment on thursday?",
    "got a cold sore again so I'll need to cancel my session",
    "there's a cold sore on my lip, I want to rebook my appt",
])
def test_a_condition_and_moving_the_appointment_get_the_number_to_move_it(
    servers, sender, message
) -> None:
    """The assistant cannot move appointments: the patient asking it to gets
    the contraindication answer and the clinic's number to move it."""
    joined = " ".join(texts(servers.send(sender, message)))
    assert "cold sore" in joined and "to move it until this has cleared" in joined
    assert CLINIC.phone in joined and COMPLICATION_REPLY not in joined


def test_danger_signs_before_a_treatment_are_still_urgent(servers, sender) -> None:
    replies = texts(
        servers.send(
            sender,
            "I've got a fever and chills and my microneedling is tomorrow, should I still come in?",
        )
    )
    assert any(COMPLICATION_REPLY in t and CLINIC.emergency_number in t for t in replies)
    assert slot_values(servers, sender, "urgent_flagged") == [True]


def test_a_reaction_told_in_the_patients_own_words_reaches_the_clinic_today(
    servers, sender
) -> None:
    """No keyword of the red-flag gate: the learned detector catches it, the
    reply asks to call today (with the number), and staff see the flag."""
    story = (
        "the morning after my session I looked in the mirror and half my face was raw and weeping, "
        "it stings whenever anything touches it and it's worse than last night"
    )
    replies = " ".join(texts(servers.send(sender, story)))
    assert CLINIC.phone in replies and "today" in replies
    assert slot_values(servers, sender, "urgent_flagged") == [True]
