"""Whether a message looks ahead to a treatment or back at one (nlp/timing.py)."""

from __future__ import annotations

import pytest

from nlp.timing import Timing, treatment_timing


@pytest.mark.parametrize("text", [
    "got a cold sore, can you move my appointment",
    "I have a cold sore so I will cancel my session",
    "cold sore again. reschedule the treatment please",
    "there's a cold sore on my lip, I want to rebook my appt",
    "cold sore - should i go ahead with the session",
    "I've got a rash, do I postpone the procedure?",
])
def test_moving_or_cancelling_a_treatment_looks_ahead_to_it(text: str) -> None:
    """The appointment words were once matched literally ("{APPOINTMENT}"), so
    "move my appointment" was not read as before a treatment."""
    assert treatment_timing(text) is Timing.BEFORE


@pytest.mark.parametrize("text", [
    "had my session 3 days ago and it's still red",
    "after my treatment yesterday my face is swollen",
])
def test_a_treatment_already_had_is_not_ahead(text: str) -> None:
    assert treatment_timing(text) is not Timing.BEFORE
