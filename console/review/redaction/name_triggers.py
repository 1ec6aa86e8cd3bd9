"""What introduces a name in a patient's message, for the spaCy Matcher of
review/redaction/names.py, and the words that are never a name."""

from __future__ import annotations

import re

# What the words after each kind of trigger must look like (see _NameFinder):
#   named:   "my name is", "I'm called", "name:": any name-shaped word, even "May"
#   self:    "I'm", "I am", "im": a likely name ("Sarah", not "pregnant")
#   intro:   "this is", "call me", and "it's" opening the message: a likely name
#   title:   "Mrs", "Dr.": a likely name
#   signoff: "thanks", "regards", "cheers", a dash: a likely name that ends the line
#   before:  "here", "speaking" after a likely name that opens the message ("Sarah here")
#   aside:   "it's me," then a likely name
# and, whatever the trigger, likely names that end the message after a comma,
# a line break or a dash ("thanks so much, Mary-Jane x").
BE = {"'m", "’m", "m", "am"}
TRIGGERS = {
    "named": [
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s", "’s", "s"]}}],
        [{"LOWER": "my"}, {"LOWER": "names"}],
        [{"LOWER": "my"}, {"LOWER": "name"}, {"ORTH": {"IN": [":", "-", "="]}}],
        [{"LOWER": "name"}, {"ORTH": {"IN": [":", "-", "="]}}],
        [{"LOWER": "i"}, {"LOWER": {"IN": sorted(BE)}}, {"LOWER": {"IN": ["called", "named"]}}],
        [{"LOWER": "i"}, {"LOWER": "go"}, {"LOWER": "by"}],
        [
            {"LOWER": {"IN": ["first", "full", "last", "sur"]}},
            {"LOWER": "name"},
            {"LOWER": {"IN": ["is", "'s", "’s", ":"]}},
        ],
        [{"LOWER": "surname"}, {"LOWER": {"IN": ["is", "'s", "’s", ":"]}}],
    ],
    "self": [
        [{"LOWER": "i"}, {"LOWER": {"IN": sorted(BE)}}],
        [{"LOWER": {"IN": ["im", "iam", "i'm", "i’m"]}}],  # "IM", "I'M" are one token
    ],
    "intro": [
        [{"LOWER": "this"}, {"LOWER": "is"}],
        [{"LOWER": "call"}, {"LOWER": "me"}],
        [
            {"LOWER": {"IN": ["it", "its", "it’s"]}},
            {"LOWER": {"IN": ["'s", "’s", "is", "s"]}, "OP": "?"},
        ],
    ],
    "title": [
        [
            {
                "LOWER": {
                    "IN": [
                        "mr",
                        "mrs",
                        "ms",
                        "miss",
                        "dr",
                        "mx",
                        "mr.",
                        "mrs.",
                        "ms.",
                        "dr.",
                        "mx.",
                    ]
                }
            },
            {"ORTH": ".", "OP": "?"},
        ],
    ],
    "signoff": [
        [
            {
                "LOWER": {
                    "IN": [
                        "thanks",
                        "thankyou",
                        "thx",
                        "thnx",
                        "thanx",
                        "ty",
                        "cheers",
                        "regards",
                        "sincerely",
                        "love",
                        "from",
                        "ta",
                        "best",
                    ]
                }
            }
        ],
        [{"LOWER": "thank"}, {"LOWER": "you"}],
        [
            {"LOWER": {"IN": ["many", "kind", "best", "warm"]}},
            {"LOWER": {"IN": ["thanks", "regards", "wishes"]}},
        ],
        [{"ORTH": {"IN": ["-", "–", "—", "~"]}}],
    ],
    "before": [
        [{"LOWER": {"IN": ["here", "speaking"]}}],
    ],
    "aside": [
        [
            {"LOWER": {"IN": ["it", "its", "it’s"]}},
            {"LOWER": {"IN": ["'s", "’s", "is", "s"]}, "OP": "?"},
            {"LOWER": "me"},
            {"ORTH": {"IN": [",", "-", "–", "—"]}},
        ],
    ],
}
OPENERS = {
    "hi",
    "hello",
    "hey",
    "hiya",
    "heya",
    "morning",
    "afternoon",
    "evening",
    "good",
    "yes",
    "yeah",
    "ok",
    "okay",
    "sorry",
    "and",
    "oh",
    "dear",
}
DASHES = {"-", "–", "—", "~"}
SENTENCE_ENDS = {".", "!", "?"}
NAME_SHAPE = re.compile(
    r"^[^\W\d_](?:[^\W\d_]|['’-])*[^\W\d_]$|^[^\W\d_]$"
)  # Sarah, O'Neil, Mary-Jane, Łukasz
JOINERS = {"-", "'", "’"}  # Mary-Jane, O'Neil: one name the tokenizer may split
SKIPPED = {",", ":", "!", "."} | DASHES  # between a sign-off and the name
KISSES = {"x", "xx", "xxx"}
# No name, wherever a name may follow a trigger: treatments and conditions,
# who the patient is ("I'm Asian", "I'm Black": it matters to the answer),
# days, greetings, sign-offs and titles.
NOT_NAMES = frozenset(
    """
    microneedling microneedle dermaroller dermapen derma prp botox filler fillers accutane
    roaccutane
    isotretinoin retinol tretinoin retin minoxidil melasma rosacea eczema keloid keloids acne spf
    back urgent normal ok okay fine please asap sure sorry new here there done good great well
    asian black white brown mixed indian african caribbean hispanic latina latino latinx caucasian
    chinese japanese korean filipino filipina vietnamese thai arab arabic persian turkish greek
    british english irish scottish welsh american canadian australian european mediterranean
    pakistani bangladeshi nigerian ghanaian somali ethiopian jamaican mexican brazilian italian
    spanish jewish muslim christian catholic hindu sikh fitzpatrick type
    monday tuesday wednesday thursday friday saturday sunday
    doctor doc nurse mum mom dad mam
    hi hello hey hiya heya dear thanks thank thx cheers regards wishes best love sincerely
    mr mrs ms miss dr mx
""".split()
)
# A capitalised word is a name unless its lower-case form is at least this much
# more frequent (natural log) than its capitalised one: "Pregnant" (4.0) and
# "Fine" (3.4) are words, "Sarah" (-2.9) and "Grace" (0.7) names.
COMMON_MARGIN = 1.5
RARE = -17.0  # (natural log) rarer words are not kept (some 66,000 are), to keep the console small
MAX_NAME_WORDS = 3
TRIGGER_HINT = re.compile(
    r"\b(?:name|names|named|called|go by|this is|call me|it'?s|it is|i'?m|i am|iam"
    r"|mrs?|ms|miss|dr|mx|thanks?"
    r"|thx|thnx|thanx|ty|cheers|regards|sincerely|love|from|ta|best|here|speaking)\b|[-–—~,\n]",
    re.I,
)
