"""Whether a message is about a treatment still to come or one already had.

"Got a cold sore on my lip atm, can I still be treated?" names a cold sore,
but the patient has not been treated: they need "wait until it has cleared,
call to reschedule", not the complication reply. "I got a cold sore the day
after my treatment" is a complication. The red-flag gate asks this module
which one a message is; danger signs (nlp/red_flags.py `DANGER`) stay urgent
whatever the answer.

Rules, not a model: the cues are few and fixed (an appointment still to
come, "can I still...", "should I cancel"), every one is testable, and a miss
falls back to the safe side (urgent).
"""

from __future__ import annotations

import re
from enum import Enum

from clinic.contract import ParseKey

DAYS = (
    r"mon(day)?|tue(s|sday)?|wed(nesday|s)?|thu(r|rs|rsday)?|fri(day)?|sat(urday)?|sun(day)?|"
    r"weekend|week|month"
)
SOON = (
    rf"tomorrow|tmrw|tmr|tmw|tomoz|2moro|2mrw|tonight|later|soon|"
    rf"next ({DAYS})|this ({DAYS})|on ({DAYS})|{DAYS}"
)
APPOINTMENT = (
    r"appointment|appt|appt\.|treatment|session|sesh|microneedling|micro needling|procedure|"
    r"booking|consult"
)

# A treatment still to come, or a question whether to go ahead with it.
BEFORE = re.compile(
    r"\b("
    rf"before (my|the|ur|your|a) ({APPOINTMENT}|next one)"
    # "appointment thursday", "my treatment is in 3 days", "session's on Friday"
    rf"|({APPOINTMENT})( ({APPOINTMENT}))?('s|s)? (is |booked |scheduled |planned )?"
    rf"(for |on |in |at )?({SOON}|in \w+ (days?|hours?|weeks?)|at \d)"
    rf"|({SOON})('s|s)? ({APPOINTMENT})"
    rf"|(got|have|i've got|ive got|i have) (an? |my )?({APPOINTMENT}) "
    rf"({SOON}|coming up|booked|scheduled|in \w+ (days?|weeks?))"
    rf"|(booked|scheduled|due) (in )?(for|on|to have|to get) "
    r"|upcoming (appointment|appt|treatment|session)"
    r"|(can|cn|could|may) i still (come|go|have|get|do|be|b|come in|go ahead|keep)"
    r"|(is it|it's|its) (still )?(ok|okay|safe|fine) to (still )?"
    r"(come in|go ahead|go in|keep my|have (it|my|the) )"
    r"|(should|shud|shld|do|must) i (wait|cancel|reschedule|postpone|move|rebook|delay|"
    r"hold off|put off|keep it|still |go\b|come\b)"
    r"|(go|come|come in|keep it) or (cancel|reschedule|wait|not|move it)"
    r"|(need|have) to (cancel|reschedule|postpone|move|rebook)"
    rf"|(cancel|reschedule|postpone|rebook|move) (my|the) ({APPOINTMENT})"
    r"|still (go ahead|have it|get it done)"
    rf"|go ahead with (it|my|the) ({APPOINTMENT})?"
    r"|(going|coming) in (for|on) "
    r"|(supposed|meant) to (have|get|go|come)"
    r")\b",
    re.IGNORECASE,
)

# A treatment already had: the message is about its aftermath.
AFTER = re.compile(
    r"\b("
    rf"after (my|the|your|ur|a|last|yesterday's|yesterdays|this) ({APPOINTMENT}|treatment|needling)"
    rf"|after (microneedling|micro needling|needling|treatment|it)\b"
    rf"|since (my|the|last) ({APPOINTMENT}|treatment)"
    r"|(had|did|got) (my |the |a )?(first |second |third |1st |2nd |3rd |last )?"
    r"(microneedling|micro needling|treatment|session|procedure|needling)( done)?"
    r"|day \d+|\d+ (days?|hours?|weeks?) (after|post|since|ago)"
    r"|post[- ](treatment|procedure|microneedling|needling)"
    rf"|(last|yesterday's|yesterdays|previous) ({APPOINTMENT})"
    rf"|({APPOINTMENT}) (was|were|yesterday|last)"
    r"|\w+ ago"
    r")\b",
    re.IGNORECASE,
)


class Timing(str, Enum):
    BEFORE = ParseKey.BEFORE_TREATMENT  # the red-flag gate's `triage` value
    AFTER = "after_treatment"
    UNKNOWN = "unknown"


def treatment_timing(text: str) -> Timing:
    """BEFORE only when the message looks ahead to a treatment and says
    nothing of one already had; a message with both ("after my last session I
    got a cold sore, should I cancel the next one?") is about a treatment's
    aftermath, the safe reading."""
    if AFTER.search(text):
        return Timing.AFTER
    if BEFORE.search(text):
        return Timing.BEFORE
    return Timing.UNKNOWN
