"""The clinic's own details (name, phone, booking link, hours, address, emergency guidance).

They live in one file, `clinic.yml` at the project root, or the file named by the
`CLINIC_CONFIG` environment variable. Nothing clinic-specific is hard-coded
elsewhere: answers get these values through template variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import yaml

from clinic import PROJECT_ROOT

DEFAULT_CLINIC_FILE = PROJECT_ROOT / "clinic.yml"


class ClinicConfigError(ValueError):
    """The clinic file is missing a required detail."""


@dataclass(frozen=True)
class Clinic:
    """The details answers and channels need."""

    name: str
    phone: str
    booking_url: str
    hours: str
    address: str
    emergency_number: str
    after_hours: str
    branding: Dict[str, str] = field(default_factory=dict)
    region: str = ""  # ISO 3166 code ("US", "GB"): how local phone numbers are written

    def template_vars(self) -> Dict[str, str]:
        """Values for the `{placeholders}` of the domain's responses."""
        return {
            "clinic_name": self.name,
            "clinic_phone": self.phone,
            "booking_url": self.booking_url,
            "clinic_hours": self.hours,
            "clinic_address": self.address,
            "emergency_number": self.emergency_number,
            "after_hours": self.after_hours,
        }

    def unavailable_message(self) -> str:
        """What a patient sees when the assistant cannot answer at all."""
        return (
            f"Sorry, I can't answer right now. Please call {self.name} on "
            f"{self.phone} ({self.hours}). If you have a severe symptom, call "
            f"{self.emergency_number}."
        )


def clinic_file() -> Path:
    """The clinic file in use: `$CLINIC_CONFIG` or the project's `clinic.yml`."""
    return Path(os.environ.get("CLINIC_CONFIG") or DEFAULT_CLINIC_FILE)


def load_clinic(path: Optional[Path] = None) -> Clinic:
    """Reads and checks the clinic file.

    Raises:
        ClinicConfigError: a required detail is missing or empty.
    """
    path = path or clinic_file()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    emergency = raw.get("emergency") or {}
    values = {
        "name": raw.get("name"),
        "phone": raw.get("phone"),
        "booking_url": raw.get("booking_url"),
        "hours": raw.get("hours"),
        "address": raw.get("address"),
        "emergency_number": emergency.get("number"),
        "after_hours": emergency.get("after_hours"),
    }
    missing = [key for key, value in values.items() if not str(value or "").strip()]
    if missing:
        raise ClinicConfigError(f"{path}: missing {', '.join(missing)}")
    return Clinic(
        **{key: str(value).strip() for key, value in values.items()},
        branding=dict(raw.get("branding") or {}),
        region=str(raw.get("region") or "").strip().upper(),
    )
