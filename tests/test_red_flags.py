"""The red-flag gate on its own: signs found, ordinary effects and negations left alone."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlp.components.red_flag_gate import RedFlagGate
from nlp.red_flags import find_red_flags
from nlu_eval.harness import read_examples
from tests.servers import ROOT

URGENT = [
    ("I have a fever after microneedling yesterday", "fever"),
    ("temp of 38.9 and chills since last night", "fever"),
    ("there's pus coming out of a spot on my cheek", "pus"),
    ("skin is crusting yellow around my nose", "pus"),
    ("I think it's infected, it's hot and angry looking", "pus"),
    ("the redness is spreading down my neck", "spreading redness"),
    ("day 4 and the redness is getting worse not better", "spreading redness"),
    ("red streaks going down my jaw", "spreading redness"),
    ("there's a red line going up from the spot on my hand", "spreading redness"),
    ("my cheek is hot to the touch", "spreading redness"),
    ("pain is getting worse every day", "worsening pain"),
    (
        "Day 4. The redness was fading but now it's come back worse and spreading",
        "spreading redness",
    ),
    ("severe pain in both cheeks", "severe pain"),
    ("the pain is unbearable", "severe pain"),
    ("my lips are swelling up", "swelling of the face"),
    ("my eyes are swollen shut this morning", "swelling of the face"),
    ("I can't breathe properly", "breathing"),
    ("cant breath and my chest feels tight", "breathing"),
    ("my throat feels tight after the serum", "breathing"),
    ("short of breath since this morning", "breathing"),
    ("blisters all over my forehead", "blisters"),
    ("I have hives everywhere", "allergic reaction"),
    ("i think im having an allergic reaction to the numbing cream", "allergic reaction"),
    ("i got a cold sore the day after treatment", "cold sore outbreak"),
    ("cold sores breaking out all over my chin", "cold sore outbreak"),
    ("i can feel a cold sore coming on after my microneedling", "cold sore outbreak"),
    ("I can see pus in some of the tiny dots", "pus"),
    ("could feel blisters forming on my chin last night", "blisters"),
]

ORDINARY = [
    "my face is a bit red the next day is that normal",
    "no fever or pus, just pink and tight",
    "I don't have a fever but my skin feels warm",
    "skin is flaking a little on day 3",
    "slight swelling under my eyes this morning",
    "a tiny bit puffy around the eyes",
    "it stings a tiny bit when i wash my face",
    "no blisters or anything, just dry",
    "can microneedling cause an infection?",
    "what's the infection risk with microneedling",
    "how do I avoid infection afterwards",
    "I'm worried about getting an infection",
    "will I get blisters?",
    "what if I get a fever after",
    "can you have an allergic reaction to the numbing cream",
    "im allergic to lidocaine, can i still do it",
    "I get cold sores sometimes but don't have one right now",
    "I had a cold sore last year, is that a problem",
    "could a cold sore start after treatment?",
    "can you see pus if it gets infected",
    "how long does the redness last",
    "the redness was worse yesterday, a bit better today",
    "redness is fading but a little worse on the left side",
    "redness isn't spreading or anything, just wondering when it fades",
    "I have a low pain tolerance, is it going to be unbearable?",
    "does it hurt?",
]


@pytest.mark.parametrize("text, sign", URGENT)
def test_red_flags_are_found(text: str, sign: str) -> None:
    assert sign in {f.sign for f in find_red_flags(text)}


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_effects_negations_and_hypotheticals_are_not_red_flags(text: str) -> None:
    assert find_red_flags(text) == []


def message(text: str, intent: str, confidence: float = 0.9) -> Message:
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
    msg.set(
        INTENT_RANKING_KEY,
        [
            {"name": intent, "confidence": confidence},
            {"name": "urgent_symptom", "confidence": 0.05},
        ],
        add_to_output=True,
    )
    return msg


def test_gate_overrides_the_classifier_and_keeps_the_ranking() -> None:
    gate = RedFlagGate(RedFlagGate.get_default_config())
    [msg] = gate.process([message("my lips are swelling and I feel weird", "ask_side_effects")])
    assert msg.get(INTENT) == {"name": "urgent_symptom", "confidence": 1.0}
    ranking = [r["name"] for r in msg.get(INTENT_RANKING_KEY)]
    assert ranking == ["urgent_symptom", "ask_side_effects"]
    assert msg.get("red_flags") == ["swelling of the face"]
    assert "red_flags" in msg.as_dict_nlu() or msg.get("red_flags")


def test_gate_also_rescues_a_fallback() -> None:
    gate = RedFlagGate(RedFlagGate.get_default_config())
    [msg] = gate.process([message("help!! pus everywhere", "nlu_fallback", 0.3)])
    assert msg.get(INTENT)["name"] == "urgent_symptom"


def test_gate_leaves_ordinary_messages_alone() -> None:
    gate = RedFlagGate(RedFlagGate.get_default_config())
    [msg] = gate.process([message("my face is a bit red the next day", "ask_side_effects")])
    assert msg.get(INTENT) == {"name": "ask_side_effects", "confidence": 0.9}
    assert msg.get("red_flags") is None


def gated(text: str, intent: str = "ask_side_effects") -> Message:
    [msg] = RedFlagGate(RedFlagGate.get_default_config()).process([message(text, intent)])
    return msg


def urgency(msg: Message) -> list:
    return [e["value"] for e in msg.get("entities") or [] if e["entity"] == "urgency"]


PRE_TREATMENT = [t for t, _ in read_examples(ROOT / "tests" / "nlu" / "pre_treatment.yml")]


@pytest.mark.parametrize("text", PRE_TREATMENT)
def test_a_condition_named_before_a_treatment_is_never_a_complication(text: str) -> None:
    """Issue 12: "got a cold sore atm, can I still be treated?" needs "wait,
    call to reschedule", not the complication reply, whatever the classifier
    or the keywords said."""
    for intent in ("urgent_symptom", "ask_contraindications", "ask_side_effects"):
        msg = gated(text, intent)
        assert msg.get(INTENT)["name"] != "urgent_symptom", (text, intent)
        if intent == "urgent_symptom" or msg.get("red_flags"):
            assert msg.get(INTENT)["name"] == "ask_contraindications"
            assert msg.get("triage") == "before_treatment"


def test_the_pre_treatment_set_names_conditions_the_gate_would_otherwise_flag() -> None:
    # Without the timing rule, these would have had the complication reply.
    assert sum(bool(find_red_flags(t)) for t in PRE_TREATMENT) >= 10


@pytest.mark.parametrize(
    "text",
    [
        "I have a fever and my appointment is tomorrow, should I still come?",
        "my lips are swelling up and my session is on friday, can i still go",
        "struggling to breathe a bit, booked in for microneedling later today",
        "the redness on my cheek is spreading, my next appointment is monday",
    ],
)
def test_danger_signs_stay_urgent_before_a_treatment(text: str) -> None:
    msg = gated(text)
    assert msg.get(INTENT)["name"] == "urgent_symptom" and urgency(msg) == ["now"]


def test_a_complication_after_a_treatment_stays_urgent() -> None:
    msg = gated("i got a cold sore the day after my treatment, should i cancel the next session?")
    assert msg.get(INTENT)["name"] == "urgent_symptom" and urgency(msg) == ["now"]


def test_red_flags_are_urgent_now_and_learned_reports_urgent_today() -> None:
    assert urgency(gated("pus coming out of the dots on my chin")) == ["now"]
    story = gated("I looked in the mirror and my whole face was raw and weeping", "urgent_symptom")
    assert story.get(INTENT)["name"] == "urgent_symptom" and urgency(story) == ["today"]
    assert urgency(gated("does microneedling hurt?", "ask_pain")) == []


@pytest.mark.parametrize(
    "text, sign",
    [
        ("I couldn't see out of my left eye the next morning", "vision"),
        ("my vision went blurry a few hours after the peel", "vision"),
        ("the GP said it's cellulitis", "infection"),
        ("I developed eczema herpeticum after the treatment", "infection"),
    ],
)
def test_vision_and_named_infections_are_red_flags(text: str, sign: str) -> None:
    assert sign in {f.sign for f in find_red_flags(text)}


@pytest.mark.parametrize(
    "text",
    [
        "I can't see any difference after three sessions",
        "Swelling Under Eyes After Microneedling",
        "How Long Do Lips Swell After Fillers",
        "why do you get blisters after a chemical peel?",
    ],
)
def test_headings_and_general_questions_are_not_reports(text: str) -> None:
    assert find_red_flags(text) == []


def test_a_learned_urgent_guess_needs_someone_speaking_of_themselves() -> None:
    """The classifier and the detector learn stories; a heading or a general
    question about complications is answered as one, not flagged."""
    [heading] = RedFlagGate(RedFlagGate.get_default_config()).process(
        [Message(data={TEXT: "Warning Signs Of A Bad Reaction"})]
    )
    msg = Message(data={TEXT: "What are the warning signs of a bad reaction to microneedling?"})
    msg.set(INTENT, {"name": "urgent_symptom", "confidence": 0.6}, add_to_output=True)
    msg.set(
        INTENT_RANKING_KEY,
        [
            {"name": "urgent_symptom", "confidence": 0.6},
            {"name": "ask_side_effects", "confidence": 0.3},
        ],
        add_to_output=True,
    )
    [msg] = RedFlagGate(RedFlagGate.get_default_config()).process([msg])
    assert msg.get(INTENT)["name"] == "ask_side_effects" and urgency(msg) == []
    assert heading.get(INTENT) is None
    story = gated("my whole face went raw and weepy overnight", "urgent_symptom")
    assert story.get(INTENT)["name"] == "urgent_symptom" and urgency(story) == ["today"]


@pytest.mark.parametrize(
    "text", ["i think i have a uti", "my knee has been aching for weeks and the GP won't see me"]
)
def test_a_learned_urgent_guess_about_something_else_than_skin_is_not_the_clinics(
    text: str,
) -> None:
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": "urgent_symptom", "confidence": 0.7}, add_to_output=True)
    msg.set(INTENT_RANKING_KEY, [{"name": "urgent_symptom", "confidence": 0.7},
                                 {"name": "out_of_scope", "confidence": 0.2}], add_to_output=True)
    [msg] = RedFlagGate(RedFlagGate.get_default_config()).process([msg])
    assert msg.get(INTENT)["name"] == "out_of_scope" and urgency(msg) == []


@pytest.mark.parametrize(
    "text",
    [
        "I had microneedling on my face last week",
        "had my third session on my cheeks yesterday",
        "my treatment was on monday, on my forehead",
    ],
)
def test_a_learned_urgent_guess_needs_something_happening_to_the_skin(text: str) -> None:
    """Saying one was treated is the start of many stories, not a complication."""
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": "urgent_symptom", "confidence": 0.7}, add_to_output=True)
    msg.set(
        INTENT_RANKING_KEY,
        [
            {"name": "urgent_symptom", "confidence": 0.7},
            {"name": "ask_side_effects", "confidence": 0.2},
        ],
        add_to_output=True,
    )
    [msg] = RedFlagGate(RedFlagGate.get_default_config()).process([msg])
    assert msg.get(INTENT)["name"] == "ask_side_effects" and urgency(msg) == []


def test_an_unsure_learned_urgent_guess_is_not_an_emergency() -> None:
    """Normal redness on day 3, read as urgent at 0.4 by the classifier alone
    (the detector, at 0.87 and above, would have set a higher confidence)."""
    msg = Message(
        data={TEXT: "I had microneedling 3 days ago and my face is still red, is that normal?"}
    )
    msg.set(INTENT, {"name": "urgent_symptom", "confidence": 0.41}, add_to_output=True)
    msg.set(
        INTENT_RANKING_KEY,
        [
            {"name": "urgent_symptom", "confidence": 0.41},
            {"name": "ask_side_effects", "confidence": 0.3},
        ],
        add_to_output=True,
    )
    [msg] = RedFlagGate(RedFlagGate.get_default_config()).process([msg])
    assert msg.get(INTENT)["name"] == "ask_side_effects" and urgency(msg) == []
    sure = gated("I had microneedling 3 days ago and my face is raw and weeping", "urgent_symptom")
    assert sure.get(INTENT)["name"] == "urgent_symptom" and urgency(sure) == ["today"]


def with_condition(text: str, intent: str, value: str) -> Message:
    msg = message(text, intent)
    msg.set(ENTITIES, [{"entity": "condition", "value": value}], add_to_output=True)
    return msg


def test_a_condition_before_a_treatment_is_marked_for_rescheduling_without_any_red_flag() -> None:
    """"Cold sore, can you move my appointment?": no red flag, but the answer
    must say to wait and call to move it, so the gate marks the timing."""
    gate = RedFlagGate(RedFlagGate.get_default_config())
    for text, condition in (
        ("there's a cold sore on my lip, I want to rebook my appt", "cold sores"),
        ("my acne is flaring, can you move my appointment on friday", "acne"),
    ):
        assert not find_red_flags(text)
        [moving] = gate.process([with_condition(text, "ask_contraindications", condition)])
        assert moving.get("triage") == "before_treatment", text
        assert moving.get(INTENT)["name"] == "ask_contraindications"
    # another question, or no condition named: nothing to reschedule
    [treats] = gate.process([with_condition(
        "does it treat acne scars? my appointment is on friday", "ask_conditions_treated",
        "acne scars")])
    [plain] = gate.process([message("can you move my appointment", "ask_contraindications")])
    assert treats.get("triage") is None and plain.get("triage") is None
