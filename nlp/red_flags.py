"""Red-flag phrases of a complication after microneedling, found deterministically.

A classifier can miss an urgent message written in an unusual way; these
patterns cannot. They are spaCy Matcher patterns over the lower-cased tokens,
grouped in two kinds:

- signs that are urgent on their own: fever, pus, blisters, hives, an allergic
  reaction, trouble breathing, a throat closing, red streaks, severe pain;
- signs that are urgent only together with another word of the same clause:
  redness or a rash that is spreading or getting worse, pain that is getting
  worse, swelling of the lips, tongue, throat or eyes, a cold sore that has
  broken out.

A sign does not count when the clause before it negates it ("no fever or
pus"), frames it as a hypothetical or a worry ("can it cause blisters?",
"worried about infection"), or, for redness, swelling and pain, plays it down
("a bit swollen", "slightly red"): those are ordinary side-effect questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from nlp.person import FIRST_PERSON

# Signs that are urgent by themselves.
ALONE: Dict[str, List[List[dict]]] = {
    "fever": [
        [{"LOWER": {"IN": ["fever", "feverish", "fevers", "febrile", "chills", "shivering",
                           "rigors"]}}],
        [{"LOWER": {"IN": ["high", "a"]}}, {"LOWER": {"IN": ["temperature", "temp"]}}],
        [{"LOWER": {"IN": ["temperature", "temp"]}},
         {"LOWER": {"IN": ["of", "is", "was", "at"]}, "OP": "?"}, {"LIKE_NUM": True}],
        [{"LOWER": "running"}, {"LOWER": "a"}, {"LOWER": {"IN": ["temp", "temperature"]}}],
    ],
    "pus": [
        [{"LOWER": {"IN": ["pus", "discharge", "infected", "infection", "abscess", "pustules"]}}],
        [{"LOWER": {"IN": ["yellow", "yellowish", "green", "greenish", "honey"]}},
         {"LOWER": {"IN": ["crust", "crusts", "crusting", "crusty", "crusted", "fluid", "stuff",
                           "liquid", "scabs", "discharge", "gunk", "ooze", "oozing"]}}],
        [{"LOWER": {"IN": ["crust", "crusts", "crusting", "crusty", "crusted", "oozing", "ooze",
                           "oozes"]}},
         {"LOWER": {"IN": ["yellow", "yellowish", "green", "greenish"]}}],
    ],
    "breathing": [
        [{"LOWER": {"IN": ["ca", "can", "could"]}}, {"LOWER": {"IN": ["n't", "not", "nt"]}},
         {"LOWER": {"IN": ["breathe", "breath"]}}],
        [{"LOWER": {"IN": ["cant", "cannot", "couldnt"]}},
         {"LOWER": {"IN": ["breathe", "breath"]}}],
        [{"LOWER": {"IN": ["trouble", "difficulty", "hard", "struggling", "struggle", "problems"]}},
         {"LOWER": {"IN": ["to", "with"]}, "OP": "?"},
         {"LOWER": {"IN": ["breathing", "breathe", "breath"]}}],
        [{"LOWER": {"IN": ["short", "shortness"]}}, {"LOWER": "of"}, {"LOWER": "breath"}],
        [{"LOWER": {"IN": ["wheezing", "wheezy", "wheeze"]}}],
        [{"LOWER": "chest"}, {"LOWER": {"IN": ["is", "feels", "feeling"]}, "OP": "?"},
         {"LOWER": {"IN": ["tight", "tightness", "tightening"]}}],
        [{"LOWER": "tight"}, {"LOWER": "chest"}],
        [{"LOWER": "throat"}, {"LOWER": {"IN": ["is", "feels", "feeling"]}, "OP": "?"},
         {"LOWER": {"IN": ["closing", "tight", "tightening", "swelling", "swollen", "closed"]}}],
    ],
    "infection": [
        [{"LOWER": {"IN": ["herpeticum", "cellulitis", "impetigo", "staph", "staphylococcus",
                           "mrsa", "erysipelas", "abscesses"]}}],
    ],
    "vision": [
        # "can't see out of my eye", not "can't see any difference"
        [{"LOWER": {"IN": ["ca", "can", "could"]}}, {"LOWER": {"IN": ["n't", "not", "nt"]}},
         {"LOWER": "see"}, {"LOWER": {"IN": ["out", "properly", "clearly", "straight", "well"]}}],
        [{"LOWER": {"IN": ["cant", "cannot", "couldnt"]}}, {"LOWER": "see"},
         {"LOWER": {"IN": ["out", "properly", "clearly", "straight", "well"]}}],
        [{"LOWER": {"IN": ["lost", "losing", "blurry", "blurred", "double", "blurring"]}},
         {"LOWER": {"IN": ["my", "of", "the"]}, "OP": "?"},
         {"LOWER": {"IN": ["peripheral", "side"]}, "OP": "?"},
         {"LOWER": {"IN": ["vision", "sight", "eyesight"]}}],
        [{"LOWER": {"IN": ["vision", "sight", "eyesight"]}},
         {"LOWER": {"IN": ["is", "went", "has", "gone", "got"]}, "OP": "*"},
         {"LOWER": {"IN": ["blurry", "blurred", "blurring", "dark", "fuzzy", "double"]}}],
        [{"LOWER": "only"}, {"LOWER": "see"}, {"LOWER": "through"}],
    ],
    "blisters": [
        [{"LOWER": {"IN": ["blister", "blisters", "blistering", "blistered", "blistery"]}}],
    ],
    "allergic reaction": [
        [{"LOWER": {"IN": ["hives", "welts", "anaphylaxis", "anaphylactic"]}}],
        [{"LOWER": {"IN": ["allergic", "allergy"]}}, {"LOWER": {"IN": ["reaction", "reacting"]}}],
    ],
    "spreading redness": [
        [{"LOWER": "red"}, {"LOWER": {"IN": ["streaks", "streak", "lines", "line", "streaking"]}}],
        [{"LOWER": {"IN": ["streaks", "streaking"]}}],
        [{"LOWER": "hot"}, {"LOWER": "to"}, {"LOWER": "the", "OP": "?"}, {"LOWER": "touch"}],
    ],
    "severe pain": [
        [{"LOWER": {"IN": ["severe", "excruciating", "unbearable", "intense", "extreme",
                           "agonizing", "agonising", "horrible", "terrible"]}},
         {"LOWER": {"IN": ["pain", "pains", "burning", "throbbing", "ache", "aching"]}}],
        [{"LOWER": {"IN": ["excruciating", "unbearable", "agony", "agonizing", "agonising"]}}],
        [{"LOWER": "worst"}, {"LOWER": "pain"}],
    ],
}

# Signs that are urgent only with a word of the other group in the same clause.
PAIRS: Dict[str, Tuple[List[str], List[str]]] = {
    "spreading redness": (
        ["red", "redness", "redder", "rash", "redish", "reddish"],
        ["spreading", "spread", "spreads", "worse", "worsening", "darker", "bigger", "expanding",
         "growing"],
    ),
    "worsening pain": (
        ["pain", "painful", "hurts", "hurting", "sore", "soreness", "aching", "ache", "throbbing"],
        ["worse", "worsening", "increasing", "intensifying"],
    ),
    "swelling of the face": (
        ["swelling", "swollen", "swelled", "swell", "swells", "puffy", "puffed"],
        ["lip", "lips", "tongue", "throat", "eye", "eyes", "eyelid", "eyelids", "shut"],
    ),
    "cold sore outbreak": (
        ["cold", "herpes", "sore", "sores"],
        ["outbreak", "broke", "breaking", "popped", "popping", "appeared", "appearing", "forming",
         "showed", "came", "coming", "started", "starting", "brewing", "developed", "tingling",
         "flare", "flared", "flaring", "new", "got",
         "getting", "now", "today", "yesterday", "since", "tonight", "morning"],
    ),
}
# Signs that are urgent whatever the timing, even before a treatment: the
# patient may be unwell for another reason and needs help today.
DANGER = {"fever", "breathing", "swelling of the face", "spreading redness", "vision"}
COLD_SORE_WORDS = {"cold sore", "cold sores", "herpes", "fever blister", "fever blisters"}

NEGATIONS = {
    "no", "not", "n't", "nt", "never", "without", "nor", "none", "neither", "zero", "dont", "didnt",
    "havent", "hasnt", "isnt", "arent",
}
HYPOTHETICAL = {
    "can", "could", "will", "would", "might", "may", "if", "risk", "risks", "chance", "chances",
    "cause", "causes", "possible", "prevent", "avoid", "worried", "worry", "worries", "scared",
    "afraid", "nervous", "usually", "typically", "common", "concerned", "fear", "reduce",
    "going", "gonna",
}
# "what's the infection risk?" asks about a risk, not a symptom.
HYPOTHETICAL_AFTER = {"risk", "risks", "chance", "chances", "rate"}
PLAYED_DOWN = {
    "bit", "little", "slight", "slightly", "mild", "mildly", "minor", "tiny", "touch", "faint",
    "light",
}
# Said after a worsening sign, these mean it has passed ("worse yesterday,
# better today"); said before it, they don't ("was fading, now worse").
IMPROVING = {
    "better", "improving", "improved", "fading", "calming", "settling", "subsiding", "healing",
    "easing",
}
CLAUSE_BREAKS = {".", ",", ";", "!", "?", "but", "though", "although", "-", "—"}
SENTENCE_BREAKS = {".", ";", "!", "?"}
LOOK_BACK = 5  # tokens before a sign in which a negation or a hypothetical counts
# "I can feel a cold sore coming", "I can see pus": a perception, not a hypothetical.
PERCEIVING = {"feel", "see", "tell", "notice", "smell"}


@dataclass(frozen=True)
class RedFlag:
    """One red-flag sign found in a message."""

    sign: str
    text: str


@lru_cache(maxsize=1)
def _matcher() -> Tuple[spacy.language.Language, Matcher]:
    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    for sign, patterns in ALONE.items():
        matcher.add(f"ALONE|{sign}", patterns)
    for sign, (first, second) in PAIRS.items():
        matcher.add(f"A|{sign}", [[{"LOWER": {"IN": first}}]])
        matcher.add(f"B|{sign}", [[{"LOWER": {"IN": second}}]])
    return nlp, matcher


def _clause(doc: Doc, index: int, breaks: set = CLAUSE_BREAKS) -> Tuple[int, int]:
    """Token range of the clause (or, with SENTENCE_BREAKS, sentence) around `index`."""
    start = index
    while start > 0 and doc[start - 1].lower_ not in breaks:
        start -= 1
    end = index
    while end < len(doc) - 1 and doc[end + 1].lower_ not in breaks:
        end += 1
    return start, end + 1


def _before(doc: Doc, span: Span, clause_start: int) -> List[str]:
    window = doc[max(clause_start, span.start - LOOK_BACK) : span.start]
    return [
        t.lower_ for t in window
        if not (
            t.lower_ in {"can", "could"}
            and t.i + 1 < len(doc)
            and doc[t.i + 1].lower_ in PERCEIVING
        )
    ]


def _dismissed(doc: Doc, span: Span, clause: Tuple[int, int], played_down_counts: bool) -> bool:
    before = set(_before(doc, span, clause[0]))
    after = {t.lower_ for t in doc[span.end : min(clause[1], span.end + 2)]}
    if before & NEGATIONS or before & HYPOTHETICAL or after & HYPOTHETICAL_AFTER:
        return True
    if played_down_counts:
        words = {t.lower_ for t in doc[clause[0] : clause[1]]}
        return bool(words & PLAYED_DOWN)
    return False


# A question about what usually happens, not a report: "how long do lips
# swell after fillers?", "why do you get cold sores after a peel?".
GENERAL_QUESTION = re.compile(
    r"^\s*(how (long|often|much|to|do|does|can|should)|why (do|does|would|can)|"
    r"what (causes|are|is|happens)|"
    r"when (do|does|should)|is it (normal|common|usual)|can (you|it|microneedling))\b",
    re.IGNORECASE,
)


def _general(text: str) -> bool:
    """A heading ("Swelling Under Eyes After Microneedling") or a general
    question, with no first person: it asks about a sign, it doesn't report one."""
    words = re.findall(r"[A-Za-z']+", text)
    if not words or FIRST_PERSON & {w.lower() for w in words}:
        return False
    heading = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)
    return heading or bool(GENERAL_QUESTION.search(text))


def find_red_flags(text: str) -> List[RedFlag]:
    """The red-flag signs in `text` that are not negated, hypothetical or played
    down, in a message that reports something rather than asks in general."""
    if _general(text):
        return []
    nlp, matcher = _matcher()
    doc = nlp(text.lower())
    found: List[RedFlag] = []
    halves: Dict[str, Dict[str, List[Span]]] = {}
    for match_id, start, end in matcher(doc):
        kind, sign = nlp.vocab.strings[match_id].split("|", 1)
        span = doc[start:end]
        if kind == "ALONE":
            clause = _clause(doc, start)
            if sign == "blisters" and "fever" in {t.lower_ for t in doc[max(0, start - 1) : start]}:
                sign = "cold sore outbreak"
            if not _dismissed(doc, span, clause, played_down_counts=False):
                found.append(RedFlag(sign, span.text))
        else:
            halves.setdefault(sign, {}).setdefault(kind, []).append(span)
    for sign, parts in halves.items():
        for a in parts.get("A", []):
            if sign == "cold sore outbreak" and not _is_cold_sore(doc, a):
                continue
            # Partners may sit in the next clause of the same sentence: "the
            # redness was fading but now it's come back worse".
            sentence = _clause(doc, a.start, SENTENCE_BREAKS)
            partners = [
                b for b in parts.get("B", [])
                if sentence[0] <= b.start < sentence[1] and b.start != a.start
            ]
            if not partners:
                continue
            partner = min(partners, key=lambda b: abs(b.start - a.start))
            first, last = (a, partner) if a.start < partner.start else (partner, a)
            between = {t.lower_ for t in doc[first.end : last.start]}
            if between & NEGATIONS:  # "redness isn't spreading"
                continue
            after = doc[last.end : sentence[1]]
            if any(t.lower_ in IMPROVING and doc[t.i - 1].lower_ not in NEGATIONS for t in after):
                continue
            clause = (_clause(doc, first.start)[0], _clause(doc, last.start)[1])
            if not _dismissed(doc, first, clause, played_down_counts=sign != "cold sore outbreak"):
                found.append(RedFlag(sign, doc[first.start : last.end].text))
                break
    return found


def _is_cold_sore(doc: Doc, span: Span) -> bool:
    """Whether a "cold"/"sore"/"herpes" token is part of "cold sore" or "herpes"."""
    word = span.text
    if word == "herpes":
        return True
    if word == "cold":
        return span.end < len(doc) and doc[span.end].lower_ in {"sore", "sores"}
    return span.start > 0 and doc[span.start - 1].lower_ == "cold"
