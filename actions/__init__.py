"""Custom actions for the clinic's microneedling assistant (rasa_sdk)."""
