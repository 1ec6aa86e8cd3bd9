"""The assistant's buttons, and so the only intent payloads a client may send.

A button sends its payload ("/ask_pain") as the patient's message, and Rasa
takes a message that starts with "/" as an intent (with any entities written
after it) without running NLU. The payloads the assistant's buttons can carry
are therefore the payloads the channels accept from clients
(`channels/client_input.py`); this module is the one list of them.
"""

from __future__ import annotations

from typing import Dict, FrozenSet

from clinic.kb import KnowledgeBase

STAFF_BUTTON: Dict[str, str] = {"title": "Talk to the clinic", "payload": "/request_human"}
# The website widget's first message when a patient opens it
# (webchat/src/conversation.js); its reply is the notice and the topic buttons.
WIDGET_OPENING_PAYLOAD = "/greet"


def topic_payload(kb: KnowledgeBase, entry_id: str) -> str:
    """The payload of the button that asks an entry's question."""
    return f"/{kb.first_intent(entry_id)}"


def offered_payloads(kb: KnowledgeBase, domain: dict) -> FrozenSet[str]:
    """Every payload a button of the assistant can carry: a topic of the knowledge
    base, the staff button, a button of a domain response, the widget's opening."""
    from_domain = {
        button["payload"]
        for variants in (domain.get("responses") or {}).values()
        for variant in variants or []
        for button in variant.get("buttons") or []
    }
    from_kb = {topic_payload(kb, entry_id) for entry_id in kb.entries}
    return frozenset(from_kb | from_domain | {STAFF_BUTTON["payload"], WIDGET_OPENING_PAYLOAD})
