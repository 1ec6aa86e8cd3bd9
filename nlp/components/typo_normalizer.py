"""Corrects misspelt words towards the training vocabulary, before anything else runs.

Patients text "microneedlng", "numbign", "forhead". A word is corrected only
when it is in neither the training data's vocabulary (words seen at least
twice) nor a general English word list (spaCy's lookup tables), and a
vocabulary word lies within one
edit of it (two for words of seven letters or more, the usual length of
medical words); the closest, then most frequent, such word wins. Known words are never
touched, so correct English stays as written.

The corrected text replaces the message text for the rest of the pipeline
(entities, n-grams, embeddings all see "forehead"); Rasa still stores what the
patient wrote as the message text, and the parse output keeps the correction
as `normalized_text` when one was made.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WORD = re.compile(r"[A-Za-z]+")
NORMALIZED_TEXT = "normalized_text"
VOCABULARY_FILE = "vocabulary.json"


# Words at least this common in spaCy's web-text frequencies count as English
# (about 30,000; "forever" is, the misspelling "forhead" is not).
MIN_LOG_PROB = -15.0


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """Known English words: spaCy's lemma lookup table plus common words.

    The lemma table alone misses words without inflections ("forever"), which
    would otherwise be "corrected" into training words ("fever").
    """
    import spacy_lookups_data

    data = Path(spacy_lookups_data.__file__).parent / "data"
    with gzip.open(data / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as table:
        lookup = json.load(table)
    with gzip.open(data / "en_lexeme_prob.json.gz", "rt", encoding="utf-8") as table:
        probs = json.load(table)
    words = {w.lower() for pair in lookup.items() for w in pair if w.isalpha()}
    words |= {w for w, p in probs.items() if p > MIN_LOG_PROB and w.isalpha() and w.islower()}
    return frozenset(words)


def deletes(word: str, depth: int) -> set:
    """`word` with up to `depth` letters deleted (including `word` itself)."""
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    rows = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


class Corrector:
    """Corrections towards a vocabulary with word counts.

    Candidates come from a symmetric-delete index (SymSpell's idea): a word and
    a misspelling within n edits share a string with at most n letters deleted
    from each, so lookups stay fast for long words.
    """

    def __init__(self, counts: Dict[str, int], min_length: int = 4, two_edits_from: int = 7) -> None:
        self.counts = counts
        self.min_length = min_length
        self.two_edits_from = two_edits_from
        self.known = english_words()
        self.index: Dict[str, List[str]] = {}
        for word in counts:
            if len(word) >= min_length - 1:
                for key in deletes(word, 2 if len(word) >= two_edits_from - 1 else 1):
                    self.index.setdefault(key, []).append(word)

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < self.min_length or lower in self.counts or lower in self.known:
            return word
        allowed = 2 if len(lower) >= self.two_edits_from else 1
        candidates = {c for key in deletes(lower, allowed) for c in self.index.get(key, ())}
        scored = [(distance(lower, c), -self.counts[c], c) for c in candidates]
        scored = [s for s in scored if s[0] <= allowed]
        return min(scored)[2] if scored else word

    def correct(self, text: str) -> str:
        return WORD.sub(lambda m: self.correct_word(m.group(0)), text)


def vocabulary(texts: Iterable[str], min_count: int = 2) -> Dict[str, int]:
    """Word counts of the training texts, keeping words seen `min_count` times
    or known English words: the training data has typos of its own ("pianful"),
    which must not become targets of correction."""
    counts = Counter(w.lower() for text in texts for w in WORD.findall(text))
    known = english_words()
    return {w: n for w, n in counts.items() if n >= min_count or w in known}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class TypoNormalizer(GraphComponent):
    """First in the pipeline: replaces misspelt words in the message text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_length": 4, "two_edits_from": 7}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        counts: Optional[Dict[str, int]] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._corrector = Corrector(counts or {}, config["min_length"], config["two_edits_from"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TypoNormalizer:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TypoNormalizer:
        with model_storage.read_from(resource) as directory:
            counts = json.loads((directory / VOCABULARY_FILE).read_text())
        return cls(config, model_storage, resource, counts)

    def train(self, training_data: TrainingData) -> Resource:
        counts = vocabulary(m.get(TEXT) for m in training_data.training_examples if m.get(TEXT))
        self._corrector = Corrector(counts, self._config["min_length"], self._config["two_edits_from"])
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(counts))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training typos are corrected like a patient's, so both look the same.
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            corrected = self._corrector.correct(text)
            if corrected != text:
                message.set(TEXT, corrected)
                message.set(NORMALIZED_TEXT, corrected, add_to_output=True)
        return messages
