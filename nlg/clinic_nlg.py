"""Fills the clinic's details into every response, on the Rasa server.

Responses in domain.yml say `{clinic_phone}`; the values come from clinic.yml
(clinic.config), so the numbers live in one file. Doing it here rather than
in the action server means rule-driven replies, the urgent-symptom reply among
them, show the right numbers even when the action server is down.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from clinic.config import load_clinic


class ClinicNLG(TemplatedNaturalLanguageGenerator):
    """Rasa's templated responses plus the clinic's details as variables."""

    def __init__(self, endpoint_config: Optional[EndpointConfig], domain: Domain) -> None:
        super().__init__(domain.responses)
        self.clinic_vars = load_clinic().template_vars()

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        # The clinic file wins over anything an action passes with the same name.
        return await super().generate(
            utter_action, tracker, output_channel, **{**kwargs, **self.clinic_vars}
        )
