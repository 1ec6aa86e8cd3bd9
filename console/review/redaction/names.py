"""Names a patient introduces or signs with ("my name is", "I'm Sarah",
"Sarah here", "Thanks, Sarah Jones"): spaCy Matcher patterns
(review/redaction/name_triggers.py) on `spacy.blank("en")`, and spaCy's
English word frequencies (spacy-lookups-data) to tell a name from a word."""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, List, Optional, Tuple

from review.redaction.name_triggers import (
    COMMON_MARGIN,
    DASHES,
    JOINERS,
    KISSES,
    MAX_NAME_WORDS,
    NAME_SHAPE,
    NOT_NAMES,
    OPENERS,
    RARE,
    SENTENCE_ENDS,
    SKIPPED,
    TRIGGER_HINT,
    TRIGGERS,
)
from review.redaction.spans import Span


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
        capitalised = {
            m.group(1).lower(): float(m.group(2))
            for m in re.finditer(entry.format("[A-Z][a-z]+"), text)
        }
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
            span = (
                self._before(doc, start) if kind == "before" else self._after(doc, kind, start, end)
            )
            if span:
                found.append(span)
        tail = self._tail(doc)
        return found + ([tail] if tail else [])

    # -- deciding --

    def likely_name(self, word: str) -> bool:
        """Sarah, sarah, SARAH, Priya, O'Neil: yes.
        Pregnant, sore, NERVOUS, Fine, self-conscious: no."""
        lower = word.lower()
        if (
            not NAME_SHAPE.match(word)
            or lower in NOT_NAMES
            or lower in self._nlp.Defaults.stop_words
        ):
            return False
        # Capitalised, a word has to be much more often lower-case to be no name
        # (sentence starts capitalise words too); lower case or shouted, it only
        # has to be more often lower-case.
        known = (
            self.words.very_common
            if word[0].isupper() and not word.isupper()
            else self.words.common
        )
        parts = [part for part in re.split(r"['’-]", lower) if len(part) > 1] or [lower]
        return any(
            part not in known for part in parts
        )  # Mary-Jane, O'Neil: one name-like part is enough

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
        if (
            kind == "intro"
            and doc[start].lower_ in {"it", "its", "it’s"}
            and not self._opens(doc, start)
        ):
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
        while (
            i >= 0
            and (
                doc[i].is_space
                or doc[i].lower_ in KISSES
                or doc[i].text in SENTENCE_ENDS
                or not any(ch.isalnum() for ch in doc[i].text)
            )
            and "\n" not in doc[i].text
        ):
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
        if not (
            "\n" in before.text
            or before.text == ","
            or (before.text in DASHES and i > 0 and doc[i - 1].whitespace_)
        ):
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


FINDER = _NameFinder()
