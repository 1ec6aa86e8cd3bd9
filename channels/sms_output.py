"""A turn's bot messages as the SMS channel needs them: the notice, the urgent
reply, the answers, MORE's full text, the options, and whether (and why) the
number is kept for a call-back."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import BotUttered, Event, UserUttered

from channels.sms_text import Turn
from clinic.contract import Channel, Response

# Replies after which staff call back, and why (most serious first in
# clinic.sms_schema.CALLBACK_PRIORITY); urgent ones go out first and whole.
CALLBACK_REASONS = {
    **{response: "urgent" for response in Response.URGENT},
    Response.BEYOND_NORMAL: "call-back",
    Response.REQUEST_HUMAN: "call-back",
    Response.BOOK_APPOINTMENT: "booking",
}


class SmsOutput(CollectingOutputChannel):
    """Collects a turn's bot messages whole (text, buttons and metadata)."""

    @classmethod
    def name(cls) -> Text:
        return Channel.SMS

    def __init__(self) -> None:
        super().__init__()
        self.raw: List[Dict[Text, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.raw.append(dict(message))
        await super().send_response(recipient_id, message)

    @classmethod
    async def replay(cls, events: Iterable[Event], message_id: str) -> Optional[SmsOutput]:
        """The output of the turn Rasa stored for `message_id`, or None if it has none:
        a server that died after Rasa saved the turn, before its replies were
        queued, must not have the message answered, and stored, twice."""
        output, found = cls(), False
        for event in events:
            if isinstance(event, UserUttered):
                if found:
                    break
                found = event.message_id == message_id
            elif found and isinstance(event, BotUttered):
                await output.send_response("", event.message())
        return output if found else None

    def turn(self) -> Turn:
        turn = Turn()
        for message in self.raw:
            action = message.get("utter_action")
            text = message.get("text") or ""
            if action == Response.FIRST_TURN_NOTICE:
                turn.notice = text
            elif action in Response.URGENT:
                turn.urgent_text = text
            else:
                turn.texts.append(text)
            if message.get("full_text"):
                turn.full_text = message["full_text"]
            if message.get("buttons"):
                turn.buttons = [
                    {"title": b["title"], "payload": b["payload"]} for b in message["buttons"]
                ]
        return turn

    def callback_reason(self) -> Optional[str]:
        """Why staff should call the number back, or None."""
        return next((CALLBACK_REASONS[m["utter_action"]] for m in self.raw
                     if m.get("utter_action") in CALLBACK_REASONS), None)
