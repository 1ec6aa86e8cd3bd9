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
from symspellpy import SymSpell, Verbosity

WORD = re.compile(r"[A-Za-z]+")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
NORMALIZED_TEXT = "normalized_text"
VOCABULARY_FILE = "vocabulary.json"


# Words at least this common in spaCy's web-text frequencies count as English
# (about 30,000; "forever" is, the misspelling "forhead" is not).
MIN_LOG_PROB = -15.0
# At most two edits ("numbign", "forhead", "microneedlng"); SymSpell indexes
# deletes of the first seven letters only, which bounds its work per word.
MAX_EDITS = 2
PREFIX_LENGTH = 7


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


class Corrector:
    """Corrections towards a vocabulary with word counts.

    The candidates come from symspellpy (SymSpell's symmetric-delete index, a
    maintained port): its work per word is bounded whatever the word's
    length, because it indexes deletes of a 7-letter prefix only and gives up
    at once on a word longer than the longest vocabulary word plus the
    allowed edits. On top of that, at most `max_lookups` unknown words are
    looked up per message: one message of 2,000 characters can hold 400
    nonsense words, and correcting past the first few dozen helps no one.
    """

    def __init__(
        self,
        counts: Dict[str, int],
        min_length: int = 4,
        two_edits_from: int = 7,
        max_lookups: int = 64,
    ) -> None:
        self.counts = counts
        self.min_length = min_length
        self.two_edits_from = two_edits_from
        self.max_lookups = max_lookups
        self.known = english_words()
        self.speller = SymSpell(max_dictionary_edit_distance=MAX_EDITS, prefix_length=PREFIX_LENGTH)
        for word, count in counts.items():
            if len(word) >= min_length - 1:
                self.speller.create_dictionary_entry(word, count)

    def needs_lookup(self, lower: str) -> bool:
        return (
            len(lower) >= self.min_length and lower not in self.counts and lower not in self.known
        )

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if not self.needs_lookup(lower):
            return word
        allowed = MAX_EDITS if len(lower) >= self.two_edits_from else 1
        found = self.speller.lookup(lower, Verbosity.CLOSEST, max_edit_distance=allowed)
        # The closest, then the most frequent, then the first in the alphabet
        # (symspellpy's order for equal counts is its index's, not stable).
        return min(found, key=lambda s: (s.distance, -s.count, s.term)).term if found else word

    def correct(self, text: str) -> str:
        lookups = 0

        def replace(match: re.Match) -> str:
            nonlocal lookups
            word = match.group(0)
            if not self.needs_lookup(word.lower()):
                return word
            lookups += 1
            return self.correct_word(word) if lookups <= self.max_lookups else word

        return WORD.sub(replace, text)


def vocabulary(
    texts: Iterable[str], min_count: int = 2, terms: Iterable[str] = ()
) -> Dict[str, int]:
    """Word counts of the training texts, keeping words seen `min_count` times
    or known English words: the training data has typos of its own ("pianful"),
    which must not become targets of correction. The words of the entity
    terms are kept whatever their count: "cellulite", seen once, must not be
    corrected into "cellulitis" (a red flag)."""
    counts = Counter(w.lower() for text in texts for w in WORD.findall(text))
    known = english_words()
    kept = {w: n for w, n in counts.items() if n >= min_count or w in known}
    for word in {w.lower() for term in terms for w in WORD.findall(term)}:
        kept[word] = max(kept.get(word, 0), min_count)
    return kept


def term_phrases(path: Path) -> List[str]:
    """Every phrase of the entity terms file (data/kb/terms.yml)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [phrase for values in data.values() for canonical, phrases in (values or {}).items()
            for phrase in [canonical, *(phrases or [])]]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class TypoNormalizer(GraphComponent):
    """First in the pipeline: replaces misspelt words in the message text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_length": 4, "two_edits_from": 7, "terms_file": "data/kb/terms.yml"}

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
        terms = term_phrases(PROJECT_ROOT / self._config["terms_file"])
        counts = vocabulary(
            (m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)), terms=terms
        )
        self._corrector = Corrector(
            counts, self._config["min_length"], self._config["two_edits_from"]
        )
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
