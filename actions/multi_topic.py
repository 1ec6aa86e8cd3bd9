"""Several questions in one message (issue 13, item 7).

"does it hurt and how long is the downtime" is classified as one intent; the
other question must not be dropped. The action server has no model, so the
other topics are found with keywords, per clause:

1. the message is split into clauses on "?", ";", sentence ends, " and ",
   " also ", " plus ";
2. a clause *asks* when the patient wrote "?" after it or it starts like a
   question ("how", "does", "what's", ...);
3. `CUES` name the knowledge-base topic(s) a clause is about.

The topics answered, at most `MAX_TOPICS`: the classifier's intent first
(answered in full), then every other topic named by an asking clause other
than the one the first topic came from (answered in short, in message order).
A single-clause message never gets a second topic, so a single question keeps
exactly its one answer. When the classifier found no FAQ intent
(out_of_scope, nlu_fallback), two topics named by asking clauses are needed.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

MAX_TOPICS = 3

SPLIT = re.compile(
    r"\?+|;|(?<=[a-z0-9)])[.!]+(?:\s+|$)|\n|\s(?:and also|and|also|plus)\s", re.IGNORECASE
)
QUESTION_START = re.compile(
    r"^\W*(?:(?:and|also|so|but|ok|okay|then|plus)\W+)*"
    r"(?:how|what|what's|whats|when|where|why|who|which|does|do|is|are|can|could|will|would|"
    r"should|did|any|tell me|i'd like to know|i want to know|wondering)\b",
    re.IGNORECASE,
)

# Words that name a topic, per knowledge-base entry. Deliberately narrow: a
# cue must name the topic itself, not a word every answer shares.
CUES: Dict[str, re.Pattern] = {
    entry_id: re.compile(pattern, re.IGNORECASE)
    for entry_id, pattern in {
        "pain": r"\b(?:hurts?|hurting|pain(?:ful)?|(?<!cold )sore|numb(?:ing)?|sting|"
        r"anaesthetic|anesthetic)\b",
        "downtime": r"\b(?:downtime|down time|recover(?:y|ing)?|time off|off work|back to work|"
        r"heal(?:ing)?\s+time|"
        r"how long (?:until|before|till) i can|make-?up|"
        r"how long (?:will|would|do|does) (?:i|my skin|my face|it|the redness) "
        r"(?:be|stay|look) (?:red|swollen|pink))\b",
        "sessions": r"\b(?:how many (?:sessions|treatments|times|visits|rounds)|"
        r"number of (?:sessions|treatments)|how often|"
        r"sessions? (?:do|would|will|should) i (?:need|have))\b",
        "side_effects": r"\b(?:side[- ]?effects?|risks?)\b",
        "aftercare": r"\b(?:after-?care|look after|care for my skin|skincare after|"
        r"what (?:should|do|can) i (?:put|use|avoid))\b",
        "results": r"\b(?:results?|see a difference|how long (?:does it|do they|will it) last|"
        r"does it (?:really )?work)\b",
        "at_home_rollers": r"\b(?:home (?:rollers?|devices?|kits?|pens?|versions?)|at[- ]home|"
        r"derma ?rollers?|rollers?)\b",
        "needle_depth": r"\b(?:how deep|depth|needle (?:length|size)|how long are the needles)\b",
        "provider": r"\b(?:who (?:does|performs|will do|carries out)|nurse|a doctor do)\b",
        "contraindications": r"\b(?:who (?:can't|cannot|shouldn't|should not)|not allowed|"
        r"can't have it)\b",
        "what_is": r"\bwhat(?:'s| is| exactly is) (?:microneedling|micro needling|it)\b",
        "how_it_works": r"\b(?:how does (?:it|microneedling) work|how it works)\b",
        "conditions_treated": r"\b(?:what (?:does it|can it|will it) (?:treat|fix|help)|"
        r"(?:treat|help with|work on|good for) "
        r"(?:scars|wrinkles|pores|stretch marks|acne scars))\b",
        "vs_other_treatments": r"\b(?:lasers?|peels?|compared (?:to|with)|better than|versus|vs)\b",
        "pigmentation_risk": r"\b(?:dark(?:er)? skin|skin of colou?r|brown skin|black skin|"
        r"pigment(?:ation)?)\b",
        "hair_loss": r"\b(?:hair loss|losing (?:my )?hair|thinning hair|bald(?:ing)?|minoxidil)\b",
    }.items()
}


def clauses(text: str) -> List[str]:
    """The message in clauses; each keeps "?" when the patient asked it so."""
    out, cursor = [], 0
    for match in SPLIT.finditer(text):
        piece = text[cursor:match.start()].strip()
        if piece:
            out.append(piece + ("?" if "?" in match.group() else ""))
        cursor = match.end()
    rest = text[cursor:].strip()
    if rest:
        out.append(rest)
    return out


def asks(clause: str) -> bool:
    return clause.endswith("?") or bool(QUESTION_START.match(clause))


def topics_of(clause: str) -> List[str]:
    """Knowledge-base topics a clause names, in the order of `CUES`."""
    return [entry_id for entry_id, cue in CUES.items() if cue.search(clause)]


def topics_asked(text: str, primary: Optional[str], known: Sequence[str]) -> List[str]:
    """The topics to answer, `primary` (the classifier's) first; see the module docstring.

    Returns [] when the message asks about fewer than two topics (then the
    caller answers as for one question), else 2 to MAX_TOPICS entry ids.
    """
    parts = clauses(text)
    if len(parts) < 2:
        return []
    named = [
        (i, topic) for i, part in enumerate(parts) for topic in topics_of(part) if topic in known
    ]
    if primary is None:
        asked = [(i, t) for i, t in named if asks(parts[i])]
        if not asked:
            return []
        primary = asked[0][1]
    primary_clause = next((i for i, t in named if t == primary), None)
    if (
        primary_clause is None
    ):  # the classifier knew better than the cues: its clause is the first asking one
        primary_clause = next((i for i, part in enumerate(parts) if asks(part)), 0)
    chosen = [primary]
    for i, topic in named:
        if i != primary_clause and topic not in chosen and asks(parts[i]):
            chosen.append(topic)
    return chosen[:MAX_TOPICS] if len(chosen) > 1 else []
