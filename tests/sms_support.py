"""Texting the assistant as Twilio would: the SMS channel's settings for a test,
and webhook requests signed with twilio's own RequestValidator."""

from __future__ import annotations

import time
import uuid
from typing import Dict

import requests
from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

from tests.fake_twilio import FakeTwilio
from tests.servers import Servers

TOKEN = "test-auth-token"
ACCOUNT_SID = "ACtest0000000000000000000000000000"
CLINIC_NUMBER = "+15550100000"
PUBLIC_URL = "https://assistant.clinic.example.org/webhooks/sms/webhook"


def sms_settings(twilio: FakeTwilio, **overrides: str) -> Dict[str, str]:
    """The environment that turns the SMS channel on, sending through `twilio`."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_NUMBER": CLINIC_NUMBER,
        "SMS_WEBHOOK_URL": PUBLIC_URL,  # what the gateway calls; a proxy makes it differ from ours
        "TWILIO_API_BASE_URL": twilio.url,
        "SMS_ID_SECRET": "test-id-secret",
        "SMS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        **overrides,
    }


def post(
    servers: Servers, form: Dict[str, str], signature: str | None = "sign"
) -> requests.Response:
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC_URL, form)
    elif signature:
        headers["X-Twilio-Signature"] = signature
    return requests.post(
        f"{servers.rasa_url}/webhooks/sms/webhook", data=form, headers=headers, timeout=10
    )


def text_in(servers: Servers, number: str, body: str, sid: str | None = None) -> requests.Response:
    form = {
        "From": number,
        "To": CLINIC_NUMBER,
        "Body": body,
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
    }
    started = time.monotonic()
    reply = post(servers, form)
    assert time.monotonic() - started < 1.0, "the webhook must answer at once"
    assert reply.status_code == 200 and "<Response" in reply.text
    return reply
