"""Finds and replaces personal data in patient messages.

Staff see transcripts redacted unless they deliberately reveal them, and
reviewed messages become training examples only after redaction. What counts
here: e-mail addresses (obfuscated ones too: "jane(at)gmail.com", "jane at
gmail dot com"), phone numbers, full dates (a date with a year in a patient's
message is most often a date of birth, and a treatment date is no less
identifying, so every one goes), and names a patient introduces or signs with
("my name is ...", "I'm Sarah", "Sarah here", "Thanks, Sarah Jones").

- Phone numbers: Google's libphonenumber (the `phonenumbers` port) finds them
  in free text, read the way the clinic's region and a few common ones
  write them, at its most lenient ("possible" numbers: fictional 555 ones
  too), national and international, with extensions, glued to words
  ("07700900123pls"). Fewer than 7 digits is never a phone number here: that
  keeps "3-6 sessions", "10/10 pain" and "2020".
- Names need tokens (is the word after "I'm" a name or "pregnant"?): spaCy
  Matcher patterns on `spacy.blank("en")` find the introductions, and
  spaCy's English word frequencies (spacy-lookups-data) tell a name from a
  word: a name is more often written capitalised ("Sarah") than not
  ("sore"). No trained model.

Over-redaction is preferred to a leak: where spans overlap, their union goes.
"""

from __future__ import annotations

import functools
import gzip
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, FrozenSet, List, Mapping, Optional, Sequence, Tuple

PLACEHOLDERS: Mapping[str, str] = {
    "email": "[email]",
    "phone": "[phone]",
    "date": "[date]",
    "name": "[name]",
}
# Obviously fictional values of the same shape: what training examples get
# instead of personal data, so they still read like real messages.
SURROGATES: Mapping[str, str] = {
    "email": "name@example.org",
    "phone": "555-0100",
    "date": "1 January 1990",
    "name": "Alex",
}

# ---- e-mail addresses ------------------------------------------------------------------------

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# "at" and "dot" in brackets of any kind, or "@" and "." with spaces round them.
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
BRACKET_AT = rf"\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"
WORD_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+)"
ANY_DOT = rf"(?:\s*\.\s*|{WORD_DOT})"
LOCAL = rf"[\w+-]+(?:(?:\.|{WORD_DOT})[\w+-]+)*"
LABEL = r"[A-Za-z0-9][A-Za-z0-9-]*"
# Top-level domains people write in full: "at" followed by a domain needs one
# ("see you at noon.thanks" is no address).
TLDS = (
    "com|org|net|edu|gov|info|biz|io|co|me|uk|us|ca|au|nz|ie|za|in|de|fr|es|it|nl|be|ch|at|se|no|dk|fi"
    "|pl|pt|gr|br|mx|ar|jp|cn|kr|sg|hk|ph|ng|ae|sa|ru|tr|il|eu|online|email|mail|net"
)
PROVIDERS = (
    "gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|proton|protonmail|pm|gmx"
    "|yandex|zoho|fastmail|btinternet|sky|virginmedia|talktalk|comcast|verizon|att|sbcglobal|bigpond|optusnet"
)
OBFUSCATED_EMAILS = [
    # jane(at)gmail.com, jane [at] gmail [dot] com, jane(at)gmail
    re.compile(rf"(?<![\w.+-]){LOCAL}{BRACKET_AT}{LABEL}(?:{ANY_DOT}{LABEL})*", re.I),
    # jane @ gmail . com, jane@gmail (no top-level domain)
    re.compile(rf"(?<![\w.+-]){LOCAL}\s*@\s*{LABEL}(?:{ANY_DOT}{LABEL})*", re.I),
    # jane at gmail dot com, jane at gmail, jane.doe at gmail.com, jane at example.co.uk
    re.compile(
        rf"(?<![\w.+-]){LOCAL}\s+at\s+(?:(?:{PROVIDERS})\b(?:{ANY_DOT}{LABEL})*"
        rf"|{LABEL}(?:{ANY_DOT}{LABEL})*{ANY_DOT}(?:{TLDS})\b)",
        re.I,
    ),
]

# ---- dates -----------------------------------------------------------------------------------

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATES = [
    # 12/05/1990, 12.05.90, 5-12-1990 (one separator throughout)
    re.compile(r"(?<![\d.,/-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/.-]?\d)"),
    # 1990-05-12
    re.compile(r"(?<![\d.,/-])(?:19|20)\d{2}([/.-])\d{1,2}\1\d{1,2}(?![\d/.-]?\d)"),
    # 12 May 1990, 12th of May, 1990, 12-May-1990, 5 March 82
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s-]+{MONTH}\.?,?[\s-]+(?:(?:19|20)\d{{2}}|\d{{2}})\b", re.I),
    # May 12, 1990 / May 12th 1990
    re.compile(rf"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", re.I),
    # born in 1990, DOB: 1990 (the year alone, when said to be the birth)
    re.compile(r"\b(?:born(?:\s+in)?|dob|d\.o\.b\.?|date of birth)\s*(?::|is|was)?\s*(?P<pii>(?:19|20)\d{2})\b", re.I),
]

# ---- phone numbers ---------------------------------------------------------------------------

# libphonenumber reads national formats by region: the clinic's (clinic.yml
# `region`) first, then common ones. International (+44 ...) numbers are
# found whatever the region.
# (Between them these read every format of tests/data/redaction_corpus.yml:
# numbers of some 20 countries.)
COMMON_REGIONS = ("US", "GB", "AU", "IN", "DE", "FR", "BR")
MIN_PHONE_DIGITS = 7
ENOUGH_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")  # cheap test before any matching

# ---- names -----------------------------------------------------------------------------------

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
        [{"LOWER": {"IN": ["first", "full", "last", "sur"]}}, {"LOWER": "name"},
         {"LOWER": {"IN": ["is", "'s", "’s", ":"]}}],
        [{"LOWER": "surname"}, {"LOWER": {"IN": ["is", "'s", "’s", ":"]}}],
    ],
    "self": [
        [{"LOWER": "i"}, {"LOWER": {"IN": sorted(BE)}}],
        [{"LOWER": {"IN": ["im", "iam", "i'm", "i’m"]}}],  # "IM", "I'M" are one token
    ],
    "intro": [
        [{"LOWER": "this"}, {"LOWER": "is"}],
        [{"LOWER": "call"}, {"LOWER": "me"}],
        [{"LOWER": {"IN": ["it", "its", "it’s"]}}, {"LOWER": {"IN": ["'s", "’s", "is", "s"]}, "OP": "?"}],
    ],
    "title": [
        [{"LOWER": {"IN": ["mr", "mrs", "ms", "miss", "dr", "mx", "mr.", "mrs.", "ms.", "dr.", "mx."]}},
         {"ORTH": ".", "OP": "?"}],
    ],
    "signoff": [
        [{"LOWER": {"IN": ["thanks", "thankyou", "thx", "thnx", "thanx", "ty", "cheers", "regards", "sincerely",
                           "love", "from", "ta", "best"]}}],
        [{"LOWER": "thank"}, {"LOWER": "you"}],
        [{"LOWER": {"IN": ["many", "kind", "best", "warm"]}}, {"LOWER": {"IN": ["thanks", "regards", "wishes"]}}],
        [{"ORTH": {"IN": ["-", "–", "—", "~"]}}],
    ],
    "before": [
        [{"LOWER": {"IN": ["here", "speaking"]}}],
    ],
    "aside": [
        [{"LOWER": {"IN": ["it", "its", "it’s"]}}, {"LOWER": {"IN": ["'s", "’s", "is", "s"]}, "OP": "?"},
         {"LOWER": "me"}, {"ORTH": {"IN": [",", "-", "–", "—"]}}],
    ],
}
OPENERS = {"hi", "hello", "hey", "hiya", "heya", "morning", "afternoon", "evening", "good", "yes", "yeah", "ok",
           "okay", "sorry", "and", "oh", "dear"}
DASHES = {"-", "–", "—", "~"}
SENTENCE_ENDS = {".", "!", "?"}
NAME_SHAPE = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’-])*[^\W\d_]$|^[^\W\d_]$")  # Sarah, O'Neil, Mary-Jane, Łukasz
JOINERS = {"-", "'", "’"}  # Mary-Jane, O'Neil: one name the tokenizer may split
SKIPPED = {",", ":", "!", "."} | DASHES  # between a sign-off and the name
KISSES = {"x", "xx", "xxx"}
# No name, wherever a name may follow a trigger: treatments and conditions,
# who the patient is ("I'm Asian", "I'm Black": it matters to the answer),
# days, greetings, sign-offs and titles.
NOT_NAMES = frozenset("""
    microneedling microneedle dermaroller dermapen derma prp botox filler fillers accutane roaccutane
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
""".split())
# A capitalised word is a name unless its lower-case form is at least this much
# more frequent (natural log) than its capitalised one: "Pregnant" (4.0) and
# "Fine" (3.4) are words, "Sarah" (-2.9) and "Grace" (0.7) names.
COMMON_MARGIN = 1.5
RARE = -17.0  # (natural log) rarer words are not kept (some 66,000 are), to keep the console small
MAX_NAME_WORDS = 3
TRIGGER_HINT = re.compile(
    r"\b(?:name|names|named|called|go by|this is|call me|it'?s|it is|i'?m|i am|iam|mrs?|ms|miss|dr|mx|thanks?"
    r"|thx|thnx|thanx|ty|cheers|regards|sincerely|love|from|ta|best|here|speaking)\b|[-–—~,\n]",
    re.I,
)


@dataclass(frozen=True)
class Span:
    """Personal data at text[start:end] of a kind in PLACEHOLDERS."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class _Words:
    """spaCy's English word frequencies, kept as two sets of lower-case words:
    `common` are more often written lower-case than capitalised, `very_common`
    by COMMON_MARGIN or more. A word in neither may be a name."""

    common: FrozenSet[str]
    very_common: FrozenSet[str]

    @classmethod
    def load(cls) -> _Words:
        import spacy_lookups_data

        path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
        # The table is one JSON object of a million words; only plain words are
        # needed, so they are picked out of the text rather than building the
        # whole dictionary (which would hold some 200 MB in the console).
        with gzip.open(path, "rt", encoding="utf-8") as table:
            text = table.read()
        entry = r'"({})"\s*:\s*(-?[0-9.]+(?:[eE]-?\d+)?)'
        capitalised = {m.group(1).lower(): float(m.group(2)) for m in re.finditer(entry.format("[A-Z][a-z]+"), text)}
        common, very_common = set(), set()
        for match in re.finditer(entry.format("[a-z]+"), text):
            word, probability = match.group(1), float(match.group(2))
            if probability < RARE:
                continue  # too rare to tell; a name is the safer guess
            margin = probability - capitalised.get(word, -99.0)
            if margin >= 0:
                common.add(word)
                if margin >= COMMON_MARGIN:
                    very_common.add(word)
        return cls(frozenset(common), frozenset(very_common))


class _NameFinder:
    """spaCy's blank English tokenizer, a Matcher of introductions and the
    word frequencies, all loaded on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nlp = None
        self._matcher = None
        self.words: Optional[_Words] = None

    def _load(self) -> None:
        import spacy
        from spacy.matcher import Matcher

        nlp = spacy.blank("en")
        matcher = Matcher(nlp.vocab)
        for kind, patterns in TRIGGERS.items():
            matcher.add(kind, patterns)
        self.words = _Words.load()
        self._nlp, self._matcher = nlp, matcher

    def spans(self, text: str) -> List[Span]:
        if not TRIGGER_HINT.search(text):
            return []  # many messages: no tokenizing at all
        with self._lock:
            if self._nlp is None:
                self._load()
            doc = self._nlp(text)
            matches = self._matcher(doc)
        found: List[Span] = []
        for match_id, start, end in matches:
            kind = self._nlp.vocab.strings[match_id]
            span = self._before(doc, start) if kind == "before" else self._after(doc, kind, start, end)
            if span:
                found.append(span)
        tail = self._tail(doc)
        return found + ([tail] if tail else [])

    # -- deciding --

    def likely_name(self, word: str) -> bool:
        """Sarah, sarah, SARAH, Priya, O'Neil: yes. Pregnant, sore, NERVOUS, Fine, self-conscious: no."""
        lower = word.lower()
        if not NAME_SHAPE.match(word) or lower in NOT_NAMES or lower in self._nlp.Defaults.stop_words:
            return False
        # Capitalised, a word has to be much more often lower-case to be no name
        # (sentence starts capitalise words too); lower case or shouted, it only
        # has to be more often lower-case.
        known = self.words.very_common if word[0].isupper() and not word.isupper() else self.words.common
        parts = [part for part in re.split(r"['’-]", lower) if len(part) > 1] or [lower]
        return any(part not in known for part in parts)  # Mary-Jane, O'Neil: one name-like part is enough

    def _is_name(self, word: str, kind: str, first: bool) -> bool:
        if kind == "named":  # after "my name is": any name-shaped word ("May Lee", "Will Smith")
            stop = word.lower() in self._nlp.Defaults.stop_words
            return bool(NAME_SHAPE.match(word)) and (first or not stop)
        return self.likely_name(word)

    # -- walking the tokens --

    @staticmethod
    def _word(doc, i: int) -> Optional[Tuple[int, int, str]]:
        """The word starting at token i, with the parts the tokenizer split
        off ("Mary", "-", "Jane"): (end token, end char, text)."""
        if i >= len(doc) or doc[i].is_space:
            return None
        j = i + 1
        while j + 1 < len(doc) and doc[j].text in JOINERS and not doc[j - 1].whitespace_ \
                and not doc[j].whitespace_ and doc[j + 1].is_alpha:
            j += 2
        return j, doc[j - 1].idx + len(doc[j - 1].text), doc[i:j].text

    def _after(self, doc, kind: str, start: int, end: int) -> Optional[Span]:
        if kind == "intro" and doc[start].lower_ in {"it", "its", "it’s"} and not self._opens(doc, start):
            return None  # "it's red", but "Hi, it's Sarah"
        if doc[start].text in DASHES and start > 0 and not doc[start - 1].whitespace_:
            return None  # a dash inside a word ("Mary-Jane", "skin-tag") signs nothing
        i = end
        if kind in ("named", "signoff", "aside"):
            while i < len(doc) and (doc[i].is_space or doc[i].text in SKIPPED):
                i += 1
        words: List[Tuple[int, int]] = []
        while len(words) < MAX_NAME_WORDS:
            word = self._word(doc, i)
            if word is None or not self._is_name(word[2], kind, first=not words):
                break
            words.append((doc[i].idx, word[1]))
            i = word[0]
        if not words:
            return None
        if kind == "signoff" and not self._ends(doc, i):
            return None  # "thanks Sarah" ends the line; "from Monday on" does not
        return Span(words[0][0], words[-1][1], "name")

    def _before(self, doc, trigger: int) -> Optional[Span]:
        """"Sarah here", "Hi, Sarah Jones speaking": the name opens the message."""
        words: List[int] = []
        i = trigger - 1
        while i >= 0 and len(words) < MAX_NAME_WORDS and self.likely_name(doc[i].text):
            words.append(i)
            i -= 1
        if not words or not self._opens(doc, i + 1):
            return None
        first, last = doc[words[-1]], doc[words[0]]
        return Span(first.idx, last.idx + len(last.text), "name")

    def _tail(self, doc) -> Optional[Span]:
        """Likely names that end the message after a comma, a line break or a
        spaced dash: "thanks so much, Mary-Jane x", "see you soon\nSarah"."""
        i = len(doc) - 1
        while i >= 0 and (doc[i].is_space or doc[i].lower_ in KISSES or doc[i].text in SENTENCE_ENDS
                          or not any(ch.isalnum() for ch in doc[i].text)) and "\n" not in doc[i].text:
            i -= 1
        end, words = i, 0
        while i >= 0 and words < MAX_NAME_WORDS:
            first = i
            while first >= 2 and doc[first - 1].text in JOINERS and not doc[first - 1].whitespace_ \
                    and not doc[first - 2].whitespace_:
                first -= 2  # Mary-Jane
            if not self.likely_name(doc[first:i + 1].text):
                break
            words, i = words + 1, first - 1
        if not words or i < 0:
            return None
        before = doc[i]
        if not ("\n" in before.text or before.text == "," or (before.text in DASHES and i > 0 and doc[i - 1].whitespace_)):
            return None
        return Span(doc[i + 1].idx, doc[end].idx + len(doc[end].text), "name")

    @staticmethod
    def _opens(doc, i: int) -> bool:
        """Whether token i starts the message, a line or a sentence, or follows a greeting."""
        j = i - 1
        while j >= 0 and (doc[j].is_punct or doc[j].is_space):
            if "\n" in doc[j].text or doc[j].text in SENTENCE_ENDS:
                return True
            j -= 1
        return j < 0 or doc[j].lower_ in OPENERS

    @staticmethod
    def _ends(doc, i: int) -> bool:
        """Whether the name before token i ends the message, a line or a sentence
        (kisses, emoji and a comma may come first)."""
        while i < len(doc):
            token = doc[i]
            if "\n" in token.text or token.text in SENTENCE_ENDS:
                return True
            if not (token.is_space or token.lower_ in KISSES or token.text in {",", ")"}
                    or not any(ch.isalnum() for ch in token.text)):
                return False
            i += 1
        return True


_NAMES = _NameFinder()


def _regex_spans(pattern: re.Pattern, text: str, kind: str) -> List[Span]:
    """Each match, or its `pii` group when the pattern has one (the rest is context)."""
    group = "pii" if "pii" in pattern.groupindex else 0
    return [Span(m.start(group), m.end(group), kind) for m in pattern.finditer(text)]


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


@functools.lru_cache(maxsize=1)
def _phone_regions() -> Sequence[str]:
    """The clinic's region (clinic.yml `region`), then the common ones."""
    try:
        from clinic.config import load_clinic

        own = load_clinic().region
    except Exception:  # redaction goes on without the clinic file
        own = ""
    return tuple(dict.fromkeys(([own] if own else []) + list(COMMON_REGIONS)))


def clinic_region() -> str:
    """The region phone numbers are read in first (clinic.yml, else US)."""
    return _phone_regions()[0]


def _phone_spans(text: str) -> List[Span]:
    if not ENOUGH_DIGITS.search(text):
        return []
    import phonenumbers

    return [
        Span(match.start, match.end, "phone")
        for region in _phone_regions()
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
        if _digits(match.raw_string) >= MIN_PHONE_DIGITS
    ]


def _merge(candidates: Sequence[Span]) -> List[Span]:
    """Overlapping spans become their union, of the kind listed first: no
    digit of a phone number survives because a date overlapped it."""
    merged: List[list] = []  # [start, end, rank, kind]
    for rank, span in sorted(enumerate(candidates), key=lambda pair: pair[1].start):
        if merged and span.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span.end)
            if rank < last[2]:
                last[2], last[3] = rank, span.kind
        else:
            merged.append([span.start, span.end, rank, span.kind])
    return [Span(start, end, kind) for start, end, _, kind in merged]


def find_personal_data(text: str) -> List[Span]:
    """The personal data in `text`, in order, without overlaps.

    E-mails first (they contain dots and digits), then dates (which look like
    phone numbers), then phones, then names; overlapping spans are merged
    into one of the earlier kind.
    """
    candidates: List[Span] = _regex_spans(EMAIL, text, "email")
    for pattern in OBFUSCATED_EMAILS:
        candidates += _regex_spans(pattern, text, "email")
    for pattern in DATES:
        candidates += _regex_spans(pattern, text, "date")
    # Phone numbers are looked for around the dates and addresses found, so
    # "born 12/05/1990 555 0142" is a date and a number, not one long number.
    masked = list(text)
    for span in candidates:
        masked[span.start:span.end] = "#" * (span.end - span.start)
    candidates += _phone_spans("".join(masked))
    candidates += _NAMES.spans(text)
    return _merge(candidates)


def redact(text: Optional[str], replacements: Mapping[str, str] = PLACEHOLDERS) -> str:
    """`text` with each piece of personal data replaced by its kind's replacement."""
    if not text:
        return text or ""
    out, position = [], 0
    for span in find_personal_data(text):
        out.append(text[position:span.start])
        out.append(replacements[span.kind])
        position = span.end
    out.append(text[position:])
    return "".join(out)


def for_training(text: str) -> str:
    """A training example's text: personal data swapped for fictional values."""
    return redact(text, SURROGATES)


def redactor(reveal: bool) -> Callable[[str], str]:
    """What the views apply to patient text: redaction, or nothing after a reveal."""
    return (lambda text: text or "") if reveal else redact
