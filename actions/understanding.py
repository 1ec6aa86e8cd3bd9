"""Reading a patient's message beyond its intent: entities, follow-ups, framing.

Pure functions over the parse data, so they are tested without a server.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from clinic.contract import EntityType
from clinic.kb import Entity

ENTITY_TYPES = (EntityType.BODY_AREA, EntityType.CONDITION, EntityType.HEALTH_FACTOR)
SITUATION_TYPES = (EntityType.CONDITION, EntityType.HEALTH_FACTOR)

# Words that can surround an entity in a follow-up ("and what about my
# forehead too?") without asking a new question. Anything else, such as
# "deep" or "work", means the patient asked something the classifier decides.
FOLLOW_UP_FILLERS = set(
    """and also what whats what's about how abt wat wbu same for my the a an on in
    of too then as well with area areas around under if i have ok okay so please
    pls plz you your them those these""".split()
)

# First person plus a question of suitability: "can I, with my ...", "I'm on ...".
PERSONAL = re.compile(
    r"\b(i'?m|i am|i have|i've|ive|i take|i'?m taking|i had|i get|i suffer|"
    r"can i|could i|should i|am i|for me|my case|in my situation)\b",
    re.IGNORECASE,
)



def entities_of(parse: Dict[str, Any]) -> List[Entity]:
    """(type, canonical value) pairs of a parsed message, in message order."""
    found = sorted(parse.get("entities") or [], key=lambda e: e.get("start") or 0)
    return [
        Entity(e["entity"], str(e["value"]))
        for e in found
        if e.get("entity") in ENTITY_TYPES and e.get("value")
    ]


def remaining_words(parse: Dict[str, Any]) -> List[str]:
    """Words of the message outside its entities and follow-up fillers."""
    text = parse.get("text") or ""
    spans = sorted(
        (e.get("start") or 0, e.get("end") or 0) for e in parse.get("entities") or []
    )
    kept, cursor = [], 0
    for start, end in spans:
        kept.append(text[cursor:start])
        cursor = max(cursor, end)
    kept.append(text[cursor:])
    words = re.findall(r"[a-z']+", " ".join(kept).lower())
    return [w for w in words if w not in FOLLOW_UP_FILLERS]


def is_personal_question(text: str, entities: List[Entity]) -> bool:
    """Whether the patient asks about their own health situation."""
    situation = any(etype in SITUATION_TYPES for etype, _ in entities)
    asks_for_self = bool(PERSONAL.search(text))
    return asks_for_self and (
        situation or bool(re.search(r"\b(for me|my case|candidate|suitable)\b", text, re.I))
    )
