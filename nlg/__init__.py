"""Response generation on the Rasa server side."""
