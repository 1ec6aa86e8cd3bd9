"""The staff console app: conversation review, follow-ups, the NLU inbox,
insights, exports, the audit log and retention, over Rasa's tracker store."""
