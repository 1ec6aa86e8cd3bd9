"""Who may use the REST and web chat channels, in which conversations, and how fast.

Against the real Rasa and action servers, as `make run` starts them.
"""

from __future__ import annotations

import uuid

import pytest

from tests.channel_clients import rest

# ---- REST: whose conversation -----------------------------------------------------------------

@pytest.mark.parametrize("taken", [
    "sms-" + uuid.uuid4().hex, "web-" + uuid.uuid4().hex, uuid.uuid4().hex + uuid.uuid4().hex, "web-anything",
])
def test_rest_cannot_write_into_a_web_or_sms_conversation(servers, taken) -> None:
    reply = rest(servers, {"sender": taken, "message": "does it hurt?"})
    assert reply.status_code == 400 and "web chat or SMS" in reply.json()["error"]
    assert servers.events(taken) == []
