"""Conversations that hold (issue 13, items 1-3, 8, 9): what one turn
established shapes the next. End to end over REST with the real Rasa and
action servers; every message is written for these tests.

The dialogue patterns are listed in docs/dialogue.md.
"""

from __future__ import annotations

from typing import List

import pytest

from clinic.config import load_clinic
from tests.test_conversations import slot_values, texts

CLINIC = load_clinic()
# What the assistant must never say after a decline or an urgent flag.
REASSURING = ("Great.", "No problem", "You're welcome", "temporary side effects", "few temporary")


def reply_text(replies: List[dict]) -> str:
    return " ".join(texts(replies))


def never_reassures(text: str) -> None:
    for phrase in REASSURING:
        assert phrase not in text, f"{phrase!r} in {text!r}"


# -- 1. A decline never turns into a yes ------------------------------------

PERSONAL = [
    ("I'm 14 weeks pregnant, can I still get microneedling?", "pregnan"),
    ("I get keloid scars easily, would microneedling be ok for me?", "keloid"),
    ("i'm on accutane for my acne, can i have microneedling done", "isotretinoin"),
]
REASSURANCE = ["ok so it's fine then?", "so I can go ahead with it?", "no?", "so I'm fine?", "yes?"]


@pytest.mark.parametrize("question, situation", PERSONAL)
def test_after_a_decline_reassurance_seeking_repeats_it_is_the_dermatologists_decision(
    servers, sender, question, situation
) -> None:
    servers.send(sender, question)
    for follow_up in REASSURANCE:
        said = reply_text(servers.send(sender, follow_up))
        never_reassures(said)
        assert "dermatologist" in said and CLINIC.phone in said, (follow_up, said)
        assert "can't tell you it's fine" in said, (follow_up, said)


def test_a_yes_long_after_a_decline_is_a_yes_again(servers, sender) -> None:
    servers.send(sender, "I get keloid scars easily, would microneedling be ok for me?")
    servers.send(sender, "so it's fine then?")
    servers.send(sender, "how many sessions do people usually need")
    said = reply_text(servers.send(sender, "yes"))
    assert "can't tell you it's fine" not in said


@pytest.mark.parametrize(
    "message",
    [
        "so it's safe for me then?",
        "that means I'm good to book, right?",
        "so basically I can have it done",
    ],
)
def test_reassurance_with_nothing_declined_is_still_no_personal_yes(
    servers, sender, message
) -> None:
    said = reply_text(servers.send(sender, message))
    never_reassures(said)
    assert "dermatologist" in said, said


# -- 2. Urgency carries over -------------------------------------------------

URGENT = [
    "3 days after microneedling I've got crusty honey-coloured patches and a fever",
    "blisters are spreading near my eye since my treatment yesterday and my eyelid is swollen",
    "my face is hot and swollen with pus coming out since the needling on monday",
]
AFTER_URGENT = ["should I wait?", "wat do i do", "what's the number again?", "is this normal?",
                "how long does redness usually last", "thanks"]


@pytest.mark.parametrize("urgent", URGENT)
def test_after_an_urgent_reply_every_turn_repeats_call_now_and_nothing_reassures(
    servers, sender, urgent
) -> None:
    first = reply_text(servers.send(sender, urgent))
    assert CLINIC.phone in first and CLINIC.emergency_number in first
    for message in AFTER_URGENT:
        said = reply_text(servers.send(sender, message))
        never_reassures(said)
        assert CLINIC.phone in said and "call" in said.lower(), (message, said)
        assert "can't answer" not in said.lower(), (message, said)
    assert slot_values(servers, sender, "urgent_flagged") == [True]


# -- 3. After treatment: beyond what the page calls normal reaches the clinic --

BEYOND_NORMAL = [
    "Day 6 and the redness still hasn't gone, now I've got little bumps like whiteheads",
    "3 weeks after microneedling I have new dark patches on my cheeks",
    "it's been 9 days since my treatment and my skin is still flaking and red",
]


def reaches_the_clinic(servers, sender: str, said: str) -> None:
    """The page's facts, "please call" with the number, and a call-back flag;
    or, when the complication detector judges it a reaction to call about
    today, the urgent reply (stronger, also right)."""
    assert CLINIC.phone in said, said
    if slot_values(servers, sender, "urgent_flagged"):
        assert "today" in said
        return
    assert "few days" in said  # the page's facts
    assert "please call" in said, said
    assert slot_values(servers, sender, "callback_requested") == [True]


@pytest.mark.parametrize("message", BEYOND_NORMAL)
def test_a_worry_beyond_what_the_page_calls_normal_gets_the_facts_the_number_and_a_flag(
    servers, sender, message
) -> None:
    reaches_the_clinic(servers, sender, reply_text(servers.send(sender, message)))


def test_treatment_said_earlier_counts_for_a_later_worry(servers, sender) -> None:
    servers.send(sender, "I had microneedling on my face last week")
    assert not slot_values(servers, sender, "urgent_flagged")  # a plain statement is no alarm
    reaches_the_clinic(
        servers,
        sender,
        reply_text(servers.send(sender, "now I've got new brown spots on my cheeks")),
    )


@pytest.mark.parametrize(
    "message",
    [
        "had microneedling yesterday and my face is red, is that normal?",
        "I had microneedling 3 days ago and my face is still red, is that normal?",
        "how long does the redness last after microneedling?",
        "will I get dark patches afterwards?",
    ],
)
def test_what_the_page_calls_normal_is_answered_without_a_flag(servers, sender, message) -> None:
    said = reply_text(servers.send(sender, message))
    assert "please call" not in said
    assert not slot_values(servers, sender, "callback_requested")
    assert not slot_values(servers, sender, "urgent_flagged")


# -- 5. Single words that pulled to the wrong answer ----------------------------

@pytest.mark.parametrize("message", ["do I need someone to drive me home?",
                                     "can I get the bus home after my appointment",
                                     "should I bring a friend to take me home afterwards?"])
def test_getting_home_is_not_a_home_roller_question(servers, sender, message) -> None:
    servers.send(sender, message)
    entries = [
        e.get("metadata", {}).get("kb_entry") for e in servers.events(sender) if e["event"] == "bot"
    ]
    assert "at_home_rollers" not in entries


# -- 8. Social turns and the clinic's details ----------------------------------

CLINIC_FACTS = [
    ("what are your hours", CLINIC.hours),
    ("are you open on saturday?", CLINIC.hours),
    ("what's the clinic's phone number", CLINIC.phone),
    ("where is the clinic located", CLINIC.address),
    ("I want to cancel my appointment", CLINIC.phone),
    ("can I move my booking to next month?", CLINIC.phone),
    ("when will they call?", CLINIC.hours),
]


@pytest.mark.parametrize("message, fact", CLINIC_FACTS)
def test_clinic_facts_come_from_the_clinic_file(servers, sender, message, fact) -> None:
    said = reply_text(servers.send(sender, message))
    assert fact in said, said
    assert "can't answer" not in said.lower() and "You can book" not in said


@pytest.mark.parametrize("message, expected", [
    ("you're useless", "sorry"),
    ("this is not helpful at all", "sorry"),
    ("what?", "sorry"),
    ("i don't get it", "sorry"),
    ("I'm scared", "nervous"),
    ("im really anxious about my appointment", "nervous"),
    ("help", "microneedling"),
    ("what can you do?", "microneedling"),
])
def test_feelings_and_turns_about_the_conversation_get_a_kind_word_and_a_next_step(
    servers, sender, message, expected
) -> None:
    replies = servers.send(sender, message)
    said = reply_text(replies)
    assert expected in said.lower(), said
    assert "can't answer" not in said.lower() and "You're welcome" not in said
    assert any(r.get("buttons") for r in replies) or CLINIC.phone in said


# -- 9. Another language, every time -------------------------------------------

@pytest.mark.parametrize("messages", [
    ["¿El microneedling duele?", "¿cuántas sesiones necesito?", "gracias"],
    ["hola", "tengo manchas en la cara, ¿me puede ayudar?", "por favor"],
    ["Est-ce que ça fait mal ?", "merci"],
])
def test_every_message_in_another_language_gets_the_notice_with_the_number(
    servers, sender, messages
) -> None:
    for message in messages:
        said = reply_text(servers.send(sender, message))
        assert "only answer in English" in said and "solo puedo responder en ingles" in said, (
            message,
            said,
        )
        assert CLINIC.phone in said
