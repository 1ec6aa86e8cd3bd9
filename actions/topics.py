"""The conversation's current topic: follow-ups and repeats (issue 13, items 4 and 6).

Pure functions over the parse data and two slots, so they are tested without
a server:

- `last_topic`: the knowledge-base entry of the last answer;
- `last_entity`: the entity that answer was scoped to ("condition=acne scars"),
  or none. It is kept for a follow-up that names no new one.

**Follow-up rule.** With a current topic, a short message (at most
`MAX_FOLLOW_UP_WORDS` words) stays in that topic, whatever intent the
classifier guessed, when

1. it asks about a *dimension* of the topic (`DIMENSIONS`: "how far apart?"
   after sessions, "no I mean after" after pain, "for women?" after hair
   loss), which leads to the entry that answers that point; or
2. it names an entity in a follow-up form (it starts with "and", "what
   about", "for", "no I mean", ..., or has no word beyond the entity and
   fillers) and the topic has something to say about that entity type
   (a variant or an `unlisted` reply: "what about for acne scars?" after home
   rollers is answered for home rollers); a body area the topic has nothing
   specific about gets the topic's short answer, saying the page has nothing
   different for it.

Anything else is a new question and the classifier decides.

**Repeat rule.** When the answer chosen is the one just given (same entry and
variant), the patient gets "As I mentioned, ..." with the short form (on SMS,
where the short form was already sent, its first sentence), never the same
paragraph again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from actions.understanding import entities_of, remaining_words
from clinic.contract import EntityType
from clinic.kb import Answer, Entity, KnowledgeBase

MAX_FOLLOW_UP_WORDS = 8
REPEAT_PREFIX = "As I mentioned, "

# How a follow-up starts: "and ...", "what about ...", "for ...", "no I mean ...".
OPENER = re.compile(
    r"^\W*(?:(?:no|nah|sorry|ok|okay|so|but|and)\W+)*"
    r"(?:and|also|what about|what abt|how about|wbu|what if|for|on|in|with|same for|"
    r"i mean|i meant|i'm asking about|im asking about|is that|does that|and for|even)\b",
    re.IGNORECASE,
)

# A dimension of a topic: (pattern over the whole message, the entry that
# answers it). Each target's text holds that point (sessions: "spaced monthly
# or every other week"; side effects: what follows the treatment; hair loss:
# "affects both men and women"; home rollers: "0.25 mm deep").
AFTER = (
    r"^\W*(?:(?:no|nah|sorry)\W+)?(?:i\s+mean(?:t)?\s+|what about\s+|how about\s+|and\s+|but\s+|"
    r"(?:does|will|would)\s+it\s+(?:hurt|be\s+sore|be\s+painful|sting)\s+)?"
    r"(?:after(?:wards?)?|later(?:\s+on)?|the\s+(?:next\s+)?days?\s+after|post[- ]?treatment)"
    r"(?:\s+(?:the\s+)?(?:treatment|procedure|session|it))?\W*$"
)
DIMENSIONS: Dict[str, List[Tuple[re.Pattern, str]]] = {
    "sessions": [
        (
            re.compile(
                r"\b(?:how\s+far\s+apart|apart|how\s+often|how\s+frequent(?:ly)?|between\s+(?:them|each|sessions?|treatments?)|"
                r"interval|spac(?:ed|ing)|gap)\b",
                re.I,
            ),
            "sessions",
        )
    ],
    "pain": [(re.compile(AFTER, re.I), "side_effects")],
    "hair_loss": [
        (re.compile(r"\b(?:wom[ae]n|men|males?|females?|ladies|girls|guys)\b", re.I), "hair_loss")
    ],
    "at_home_rollers": [(re.compile(r"\b(?:how\s+deep|depth|mm)\b", re.I), "at_home_rollers")],
}

# Ways of naming an entity that terms.yml (the spaCy pipeline's patterns) does
# not list; only read in a follow-up. "and the deep narrow ones?" names the
# page's "deep, narrow ice-pick acne scars".
EXTRA_TERMS: List[Tuple[re.Pattern, Entity]] = [
    (
        re.compile(r"\b(?:deep\W+(?:and\s+)?narrow|narrow\W+(?:and\s+)?deep)\b", re.I),
        Entity(EntityType.CONDITION, "ice-pick scars"),
    ),
]
# Entity types a follow-up carries over from the previous answer.
KEPT_TYPES = (EntityType.BODY_AREA, EntityType.CONDITION)


@dataclass(frozen=True)
class FollowUp:
    """A message answered within the current topic."""

    entry_id: str
    entities: Tuple[Entity, ...]
    # a body area the topic has nothing specific about: the short answer, saying so
    unspecific: Optional[Entity] = None


def entity_slot(entity: Optional[Entity]) -> Optional[str]:
    """The `last_entity` slot value of an entity: "type=value"."""
    return "=".join(entity) if entity else None


def parse_entity_slot(value: Any) -> Optional[Entity]:
    if not isinstance(value, str) or "=" not in value:
        return None
    etype, _, name = value.partition("=")
    return Entity(etype, name) if etype in KEPT_TYPES and name else None


def words_of(text: str) -> List[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def extra_entities(text: str) -> List[Entity]:
    return [entity for pattern, entity in EXTRA_TERMS if pattern.search(text)]


def with_kept(entities: Sequence[Entity], kept: Optional[Entity]) -> Tuple[Entity, ...]:
    """The message's entities, or the previous answer's when it names none
    ("how far apart?" after sessions for stretch marks stays with stretch marks)."""
    return tuple(entities) or ((kept,) if kept else ())


def follow_up(
    kb: KnowledgeBase, parse: Dict[str, Any], last_topic: Any, last_entity: Any
) -> Optional[FollowUp]:
    """The topic a short follow-up stays in (see the module docstring), or None."""
    if not isinstance(last_topic, str) or last_topic not in kb.entries:
        return None
    text = parse.get("text") or ""
    if not text or text.startswith("/") or len(words_of(text)) > MAX_FOLLOW_UP_WORDS:
        return None
    kept = parse_entity_slot(last_entity)
    for pattern, target in DIMENSIONS.get(last_topic, []):
        if pattern.search(text):
            return FollowUp(target, with_kept(entities_of(parse), kept))
    named = entities_of(parse) + [e for e in extra_entities(text) if e not in entities_of(parse)]
    if not named or any(e.type == EntityType.HEALTH_FACTOR for e in named):
        return None  # a health factor is a question of its own (contraindications)
    fragment = not remaining_words(parse)
    if not (OPENER.match(text) or fragment or extra_entities(text)):
        return None
    entry = kb.entries[last_topic]
    accepted = entry.entity_types()
    if any(etype in accepted for etype, _ in named):
        return FollowUp(last_topic, with_kept(named, kept))
    areas = [e for e in named if e.type == EntityType.BODY_AREA and kb.is_term(*e)]
    if areas:
        return FollowUp(last_topic, with_kept(named, kept), unspecific=areas[0])
    return None


def lower_first(text: str) -> str:
    """"Microneedling is ..." -> "microneedling is ..." (not "I", nor an acronym)."""
    first = text.split(" ", 1)[0]
    if first == "I" or first[:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def first_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!])\s+", text.strip(), maxsplit=1)
    return parts[0]


def without_yes(text: str) -> str:
    """"Yes, stretch marks are ..." -> "stretch marks are ..." (after "As I mentioned")."""
    return re.sub(r"^(?:yes|no)\s*[,:;]\s*", "", text, flags=re.IGNORECASE)


def repeat_text(answer: Answer, on_sms: bool) -> str:
    """The shorter reply for an answer just given: "As I mentioned, ..."."""
    body = first_sentence(answer.short) if on_sms else answer.short
    return REPEAT_PREFIX + lower_first(without_yes(body))


def unspecific_text(answer: Answer, area: Entity, on_sms: bool) -> str:
    """A body area the topic says nothing specific about: say so, then the topic in short."""
    body = first_sentence(answer.short) if on_sms else answer.short
    return (
        f"The page doesn't say anything different for the {area.value}; "
        f"in general, {lower_first(without_yes(body))}"
    )


def is_repeat(answer: Answer, last_topic: Any, last_entity: Any) -> bool:
    """Whether this answer (entry and variant) is the one the last answer gave."""
    return answer.entry_id == last_topic and entity_slot(answer.variant) == (last_entity or None)
