"""With the action server down, the patient still gets the clinic's number."""

from __future__ import annotations

import pytest

from clinic.config import load_clinic
from tests.servers import free_port, start_servers, stop

CLINIC = load_clinic()


@pytest.fixture(scope="module")
def rasa_without_actions(model_path, tmp_path_factory):
    dead = free_port()  # nothing listens here
    servers, procs = start_servers(
        model_path, tmp_path_factory.mktemp("no-actions"), with_actions=False,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{dead}/webhook",
    )
    yield servers
    for proc in procs:
        stop(proc)


@pytest.mark.parametrize(
    "message", ["does microneedling hurt?", "my lips are swelling and I can't breathe"]
)
def test_patient_gets_a_polite_message_with_the_phone_number(
    rasa_without_actions, sender, message
) -> None:
    replies = rasa_without_actions.send(sender, message)
    assert len(replies) >= 1
    text = " ".join(r.get("text", "") for r in replies)
    assert CLINIC.phone in text and CLINIC.emergency_number in text
    # what the patient wrote is still stored for staff
    users = [e for e in rasa_without_actions.events(sender) if e["event"] == "user"]
    assert users and users[-1]["text"] == message
