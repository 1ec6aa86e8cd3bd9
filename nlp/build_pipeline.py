"""Builds the project's spaCy pipeline, which Rasa's SpacyNLP loads by path.

Official spaCy models download from a host these machines cannot reach, so the
pipeline is assembled from PyPI packages: a blank English tokenizer, a lookup
lemmatizer (tables from spacy-lookups-data) and an entity ruler whose patterns
come from the knowledge base's terms (`data/kb/terms.yml`), so the words the
assistant recognises and the answers it has are kept in one place.

Usage: python -m nlp.build_pipeline [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Dict, List

import spacy
from spacy.language import Language

from clinic.kb import KB_DIR, TERMS_FILE, load_terms

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "build" / "spacy-en-microneedling"


def ruler_patterns(terms: Dict[str, Dict[str, List[str]]]) -> List[dict]:
    """One phrase pattern per way of writing a term; `id` is the canonical value.

    The canonical value itself is not a pattern unless listed: "back" names the
    body area, but only "my back" or "upper back" should match it.
    """
    patterns = []
    for label, values in terms.items():
        for canonical, synonyms in values.items():
            for phrase in dict.fromkeys(synonyms):
                patterns.append({"label": label, "pattern": phrase.lower(), "id": canonical})
    return patterns


def build(terms_file: Path = KB_DIR / TERMS_FILE) -> Language:
    """The pipeline: tokenizer, lookup lemmatizer, entity ruler."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Matched on the lower-cased text, so the patterns list plurals and typos.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma tables; it also empties the ruler ...
    ruler.add_patterns(ruler_patterns(load_terms(terms_file)))  # ... so add after
    nlp.meta.update(
        name="en_microneedling",
        version="1.0.0",
        description="Blank English + lookup lemmatizer + entity ruler from data/kb/terms.yml",
        terms_sha256=hashlib.sha256(terms_file.read_bytes()).hexdigest(),
    )
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    nlp = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    patterns = len(nlp.get_pipe("entity_ruler"))
    print(f"spaCy pipeline {nlp.pipe_names} with {patterns} patterns -> {args.out}")


if __name__ == "__main__":
    main()
