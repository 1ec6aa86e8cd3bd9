"""The project's spaCy pipeline and its own Rasa NLU components."""
