"""The project's spaCy pipeline: built from the terms file, loadable by path."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml

from nlp.build_pipeline import build


@pytest.fixture(scope="module")
def nlp(tmp_path_factory: pytest.TempPathFactory):
    """The pipeline saved to disk and loaded back, as SpacyNLP loads it."""
    out = tmp_path_factory.mktemp("spacy") / "pipeline"
    build().to_disk(out)
    return spacy.load(out)


def ents(nlp, text: str):
    return [(e.label_, e.ent_id_) for e in nlp(text.lower()).ents]


def test_pipeline_components(nlp) -> None:
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what about my tummy?", [("body_area", "abdomen")]),
        ("Ice-pick scars on my Cheeks", [("condition", "ice-pick scars"), ("body_area", "cheeks")]),
        ("does it help acne scarring", [("condition", "acne scars")]),
        ("stretchmarks on my thighs", [("condition", "stretch marks"), ("body_area", "legs")]),
        (
            "im on accutane and pregnant",
            [("health_factor", "isotretinoin"), ("health_factor", "pregnancy")],
        ),
        ("i have melazma", [("condition", "melasma")]),
        ("how long until I can go back to work", []),
        ("does it burn", []),
    ],
)
def test_terms_become_canonical_entities(nlp, text: str, expected) -> None:
    assert ents(nlp, text) == expected


def test_the_lookup_lemmatizer_is_saved_with_the_pipeline(nlp) -> None:
    assert [t.lemma_ for t in nlp("scars cheeks swollen")] == ["scar", "cheek", "swell"]


def test_every_term_is_recognised(nlp) -> None:
    """Each listed way of writing a term finds it (and every term has one)."""
    terms = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "data/kb/terms.yml").read_text()
    )
    missed = [
        (etype, value, phrase)
        for etype, values in terms.items()
        for value, phrases in values.items()
        for phrase in phrases
        if (etype, value) not in ents(nlp, f"what about {phrase} please")
    ]
    assert not missed
    assert all(phrases for values in terms.values() for phrases in values.values())
