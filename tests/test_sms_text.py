"""Shaping replies for SMS: GSM-7, two segments, MORE and numbered options."""

from __future__ import annotations

from channels.sms_store import conversation_id
from channels.sms_text import (
    MORE_HINT,
    MORE_MESSAGES,
    Turn,
    compose,
    length,
    limit,
    split_for_sms,
    to_gsm7,
)
from clinic.gsm7 import is_gsm7, septets

BUTTONS = [{"title": "Side effects", "payload": "/ask_side_effects"},
           {"title": "How much downtime?", "payload": "/ask_downtime"}]


def test_typography_and_emoji_become_gsm7() -> None:
    assert to_gsm7("It’s “fine” – really… 😊 café") == "It's \"fine\" - really... café"
    assert to_gsm7("naïve ó") == "naive o"  # accents GSM-7 lacks keep their letter
    assert is_gsm7(to_gsm7("👍 ok ✨"))


def test_a_short_answer_gets_more_hint_and_options() -> None:
    reply = compose(
        Turn(texts=["Short answer."], full_text="The long web answer.", buttons=BUTTONS)
    )
    assert (
        reply.body
        == f"Short answer. {MORE_HINT} Reply 1 for side effects, 2 for how much downtime."
    )
    assert reply.more == "The long web answer."
    assert reply.options == BUTTONS


def test_the_notice_leads_the_first_reply_when_it_fits() -> None:
    reply = compose(Turn(texts=["Answer."], notice="Clinic: general info, not medical advice."))
    assert reply.body == "Clinic: general info, not medical advice. Answer."


def test_replies_stay_within_two_segments() -> None:
    long_answer = "This sentence is about microneedling. " * 12  # 456 characters
    reply = compose(Turn(texts=[long_answer], notice="Notice.", buttons=BUTTONS))
    assert septets(reply.body) <= 306
    assert reply.more  # the rest is one MORE away
    assert MORE_HINT in reply.body


def test_options_that_do_not_fit_are_dropped_not_the_answer() -> None:
    answer = "x" * 280
    reply = compose(Turn(texts=[answer], buttons=BUTTONS))
    assert reply.body == answer + " Reply 1 for side effects." and reply.options == BUTTONS[:1]
    reply = compose(Turn(texts=["x" * 290], buttons=BUTTONS))
    assert reply.body == "x" * 290 and reply.options == []


def test_ucs2_text_gets_the_ucs2_limit() -> None:
    answer = "微针 " + "a" * 200
    reply = compose(Turn(texts=[answer]))
    assert len(reply.body) <= 134


def test_urgent_reply_goes_whole_whatever_its_length() -> None:
    urgent = "Call the clinic now. " * 30
    reply = compose(Turn(texts=["other"], urgent_text=urgent, notice="n", buttons=BUTTONS))
    assert reply.body == urgent.strip() and reply.options == []


def test_more_is_split_into_a_few_sms() -> None:
    parts = split_for_sms("A sentence of some length here. " * 25)
    assert 2 <= len(parts) <= 3
    assert all(septets(p) <= 306 for p in parts)


def test_more_never_sends_more_than_six_segments_however_long_the_answer() -> None:
    for text in (
        "A sentence of some length here. " * 400,
        "x" * 10_000,
        "Η μικροβελόνωση πονάει; " * 300,
    ):
        parts = split_for_sms(text)
        assert 1 <= len(parts) <= MORE_MESSAGES == 3
        assert all(length(part) <= limit(part) for part in parts)  # two segments each


def test_conversation_ids_are_keyed_hashes() -> None:
    a = conversation_id("+1 555 0100 1234", b"secret")
    assert a == conversation_id("+155501001234", b"secret")  # formatting doesn't matter
    assert a != conversation_id("+155501001234", b"other secret")
    assert "5550100" not in a and a.startswith("sms-")


def test_cuts_count_gsm7_septets_and_ucs2_units_not_characters() -> None:
    from channels.sms_text import length, shorten, split_for_sms

    euros = "price in € " * 60  # € is an extension character: two septets
    assert length(shorten(euros, 306)) <= 306
    brackets = ("Aftercare [day 1]: gentle cleanser only, then sunscreen. " * 12).strip()
    parts = split_for_sms(brackets)
    assert parts and all(length(part) <= 306 for part in parts)
    assert not any(part.startswith((",", ";", ":")) for part in parts)
    greek = "Η μικροβελόνωση πονάει; " * 20  # not GSM-7: UCS-2, 134 units in two segments
    assert length(shorten(greek, 134)) <= 134
