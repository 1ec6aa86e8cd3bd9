"""The scope gate on its own: other treatments out of scope, comparisons and histories kept."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlp.components.scope_gate import ScopeGate


def gated(text: str, intent: str, *treatments: str) -> str:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}], add_to_output=True)
    message.set(
        ENTITIES, [{"entity": "treatment", "value": t, "start": 0, "end": 1} for t in treatments]
    )
    [message] = ScopeGate(ScopeGate.get_default_config()).process([message])
    return message.get(INTENT)["name"]


@pytest.mark.parametrize(
    "text, intent, treatments",
    [
        ("does tattoo removal hurt?", "ask_pain", ["tattoo removal"]),
        ("How long does swelling last after lip filler", "ask_side_effects", ["fillers"]),
        (
            "laser resurfacing vs microdermabrasion, which is better",
            "ask_vs_other_treatments",
            ["laser", "microdermabrasion"],
        ),
        ("how much downtime with morpheus8", "ask_downtime", ["radiofrequency microneedling"]),
    ],
)
def test_questions_about_another_treatment_are_out_of_scope(text, intent, treatments) -> None:
    assert gated(text, intent, *treatments) == "out_of_scope"


@pytest.mark.parametrize(
    "text, intent, treatments",
    [
        ("is it better than a chemical peel?", "ask_vs_other_treatments", ["chemical peel"]),
        ("is it safer for darker skin than laser?", "ask_pigmentation_risk", ["laser"]),
        ("can I get botox after microneedling?", "out_of_scope", ["botox", "microneedling"]),
        ("does a dermapen hurt?", "ask_pain", ["microneedling"]),
        (
            "a chemical peel left me with dark patches last year, will this do the same",
            "ask_pigmentation_risk",
            ["chemical peel"],
        ),
        ("after my chemical peel my face is swelling", "urgent_symptom", ["chemical peel"]),
        ("does it hurt?", "ask_pain", []),
    ],
)
def test_microneedling_comparisons_histories_and_reactions_are_kept(
    text, intent, treatments
) -> None:
    assert gated(text, intent, *treatments) == intent
