"""The conversation's names that code refers to, in one place.

`domain.yml` declares them for Rasa; actions, policies, NLU components,
channels and the staff console import them from here instead of writing the
strings again (tests/test_contract.py checks both: the names exist in the
domain, and no module outside this package spells one out). FAQ intents are
not listed: the knowledge base names them (data/kb/), and code reaches them
through it.
"""

from __future__ import annotations


class Intent:
    NLU_FALLBACK = "nlu_fallback"  # Rasa's FallbackClassifier
    OUT_OF_SCOPE = "out_of_scope"
    URGENT_SYMPTOM = "urgent_symptom"
    REQUEST_HUMAN = "request_human"
    BOOK_APPOINTMENT = "book_appointment"
    GREET = "greet"
    GOODBYE = "goodbye"
    THANK = "thank"
    AFFIRM = "affirm"
    DENY = "deny"
    BOT_CHALLENGE = "bot_challenge"
    ASK_REASSURANCE = "ask_reassurance"
    ASK_CONTRAINDICATIONS = "ask_contraindications"
    ASK_VS_OTHER_TREATMENTS = "ask_vs_other_treatments"
    # Answered by a response of their own, not the knowledge base; the console names them for staff.
    ASK_CLINIC_HOURS = "ask_clinic_hours"
    ASK_CLINIC_CONTACT = "ask_clinic_contact"
    ASK_CALLBACK_TIME = "ask_callback_time"
    ASK_HELP = "ask_help"
    EXPRESS_WORRY = "express_worry"
    COMPLAIN = "complain"
    CONFUSED = "confused"

    # A call-back for staff; a message the assistant could not answer.
    CALLBACK = frozenset({REQUEST_HUMAN, BOOK_APPOINTMENT})
    MISSED = frozenset({NLU_FALLBACK, OUT_OF_SCOPE})
    # Conversation turns, not questions: no topic to scope or route.
    SOCIAL = frozenset({GREET, GOODBYE, THANK, AFFIRM, DENY, BOT_CHALLENGE})


class Slot:
    LAST_TOPIC = "last_topic"
    LAST_ENTITY = "last_entity"
    URGENCY = "urgency"
    DECLINED = "declined"
    LAST_SITUATION = "last_situation"
    TREATED = "treated"
    URGENT_FLAGGED = "urgent_flagged"
    CALLBACK_REQUESTED = "callback_requested"


class EntityType:
    BODY_AREA = "body_area"
    CONDITION = "condition"
    HEALTH_FACTOR = "health_factor"
    TREATMENT = "treatment"
    URGENCY = "urgency"  # set by the red-flag gate: "now" or "today"


class Urgency:
    NOW = "now"
    TODAY = "today"


class ActionName:
    LISTEN = "action_listen"
    SESSION_START = "action_session_start"
    ANSWER_QUESTION = "action_answer_question"
    FLAG_FOR_STAFF = "action_flag_for_staff"
    OUT_OF_SCOPE = "action_out_of_scope"
    FALLBACK = "action_fallback"


class Response:
    FIRST_TURN_NOTICE = "utter_first_turn_notice"
    GREET = "utter_greet"
    PERSONAL_CAVEAT = "utter_personal_caveat"
    BEYOND_NORMAL = "utter_beyond_normal"
    NO_MORE_DETAIL = "utter_no_more_detail"
    OUT_OF_SCOPE = "utter_out_of_scope"
    NLU_FALLBACK = "utter_nlu_fallback"
    FALLBACK_HANDOFF = "utter_fallback_handoff"
    RESCHEDULE = "utter_reschedule"
    URGENT_SYMPTOM = "utter_urgent_symptom"
    URGENT_CALL_TODAY = "utter_urgent_call_today"
    URGENT_REMINDER = "utter_urgent_reminder"
    URGENT_REMINDER_TODAY = "utter_urgent_reminder_today"
    REQUEST_HUMAN = "utter_request_human"
    BOOK_APPOINTMENT = "utter_book_appointment"
    DECLINE_REASSURE = "utter_decline_reassure"
    ONLY_ENGLISH = "utter_only_english"
    # The SMS channel's own, sent without a turn.
    SMS_HELP = "utter_sms_help"
    SMS_OPTED_IN = "utter_sms_opted_in"
    SMS_PAUSED = "utter_sms_paused"
    SMS_PHOTO = "utter_sms_photo"

    URGENT = frozenset({URGENT_SYMPTOM, URGENT_CALL_TODAY, URGENT_REMINDER, URGENT_REMINDER_TODAY})


class Channel:
    """Rasa's input channel names (`UserUttered.input_channel`)."""

    REST = "rest"
    SOCKETIO = "socketio"
    SMS = "sms"


class ParseKey:
    """What the red-flag gate adds to a message's parse data."""

    TRIAGE = "triage"
    BEFORE_TREATMENT = "before_treatment"


class ReplyMeta:
    """Metadata on a bot reply: which knowledge-base entry (and variant) it came from."""

    KB_ENTRY = "kb_entry"
    KB_VARIANT = "kb_variant"
