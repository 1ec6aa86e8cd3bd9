"""The project's spaCy pipeline and its own Rasa NLU components."""

# Code that only runs at inference and holds no trained state (the red-flag
# and scope gates and what they read): changing it needs no retraining, so the
# model's fingerprint (scripts/model.py, nlu_eval/harness.py) leaves it out.
INFERENCE_ONLY = frozenset({
    "red_flags.py", "red_flag_gate.py", "timing.py", "scope_gate.py", "person.py", "language.py",
    "intent_override.py",
})
