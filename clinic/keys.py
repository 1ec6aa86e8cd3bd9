"""Secrets from the environment, and files private to the service user.

CLINIC_ENV chooses the mode:

- `local` (the default): `make run` works on a fresh machine with no secrets;
  a key that is not set is generated once into VAR_DIR (0700) as a 0600 file
  and reused, with a warning;
- `production`: every secret a server uses must come from the environment;
  the server refuses to start, naming what is missing, and never reads or
  writes key files.

Every server calls `private_files()` first: umask 077, so what it writes
(SQLite databases and their journals, keys) is readable by the service user
only, and VAR_DIR 0700 even if an older version made it 0755.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from cryptography.fernet import Fernet

from clinic import PROJECT_ROOT as ROOT

logger = logging.getLogger(__name__)

MODES = ("local", "production")
# The SMS channel is on when all four are set (channels/sms.py).
SMS_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "SMS_WEBHOOK_URL")
# What each server needs in production; the SMS keys only while SMS is on.
# The action server and the website server read no secret.
NEEDED: Dict[str, Tuple[str, ...]] = {
    "rasa": ("WEBCHAT_SESSION_SECRET",),
    "console": ("CONSOLE_SECRET_KEY", "CONSOLE_LABEL_KEY"),
}
NEEDED_FOR_SMS: Dict[str, Tuple[str, ...]] = {
    "rasa": ("SMS_ID_SECRET", "SMS_ENCRYPTION_KEY"),
    "console": ("SMS_ENCRYPTION_KEY",),  # to reveal a call-back number
}
# Checked for length when set; unset means the API is off, or REST answers
# this machine only (channels/rest.py).
OPTIONAL: Dict[str, Tuple[str, ...]] = {"rasa": ("RASA_AUTH_TOKEN", "REST_CHANNEL_TOKEN")}
MIN_SECRET_CHARS = 32  # HMAC keys and tokens: at least 128 bits of hex or base64


class RefusedToStart(SystemExit):
    """A server must not start: the message says why (printed, exit status 1)."""


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def mode() -> str:
    value = _env("CLINIC_ENV").lower() or "local"
    if value not in MODES:
        # A typo ("prod") must not quietly mean local mode with generated keys.
        raise RefusedToStart(f"CLINIC_ENV must be 'local' or 'production', not {value!r}")
    return value


def production() -> bool:
    return mode() == "production"


def sms_on() -> bool:
    return all(_env(name) for name in SMS_SETTINGS)


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR") or ROOT / "var")


def private_files() -> None:
    """umask 077 for this process, and VAR_DIR made (or tightened to) 0700."""
    os.umask(0o077)
    directory = var_dir()
    directory.mkdir(parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        try:
            directory.chmod(0o700)
        except PermissionError:
            logger.warning(
                "%s is readable by other users and not ours to tighten: chmod 700 it", directory
            )


def problems(server: str) -> List[str]:
    """What stops `server` from starting: secrets missing or unfit (production), a bad key
    (any mode)."""
    found: List[str] = []
    encryption_key = _env("SMS_ENCRYPTION_KEY")
    if encryption_key and server in NEEDED_FOR_SMS:
        try:
            Fernet(encryption_key)
        except ValueError:
            found.append(
                "SMS_ENCRYPTION_KEY is not a Fernet key (make one with: python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            )
    if not production():
        return found
    needed = list(NEEDED.get(server, ()))
    if server == "rasa":
        half = [name for name in SMS_SETTINGS if not _env(name)]
        if 0 < len(half) < len(SMS_SETTINGS):
            found.append(
                f"SMS is half configured: set {', '.join(half)} too, "
                f"or none of {', '.join(SMS_SETTINGS)}"
            )
    if sms_on():
        needed += NEEDED_FOR_SMS.get(server, ())
    missing = [name for name in needed if not _env(name)]
    if missing:
        found.append(f"not set in the environment: {', '.join(missing)}")
    short = [name for name in needed + list(OPTIONAL.get(server, ()))
             if name != "SMS_ENCRYPTION_KEY" and 0 < len(_env(name)) < MIN_SECRET_CHARS]
    if short:
        found.append(f"shorter than {MIN_SECRET_CHARS} characters: {', '.join(short)}")
    return found


def refuse_to_start_without_secrets(server: str) -> None:
    """Raises RefusedToStart when `server` lacks what it needs (see `problems`)."""
    found = problems(server)
    if found:
        raise RefusedToStart(
            f"{server}: refusing to start (CLINIC_ENV={mode()}): "
            + "; ".join(found)
            + ". In production every secret comes from the environment; "
              "keys are generated into VAR_DIR only in local mode."
        )


def local_key(env_name: str, file_name: str, make: Callable[[], bytes]) -> bytes:
    """The key in `env_name`; in local mode, else one generated once into VAR_DIR/`file_name`."""
    value = _env(env_name)
    if value:
        return value.encode()
    if production():
        raise RefusedToStart(
            f"{env_name} is not set (CLINIC_ENV=production: keys are never generated)"
        )
    path = var_dir() / file_name
    key = _read_or_create(path, make)
    logger.warning(
        "%s is not set; using the local key in %s (set it in production)", env_name, path
    )
    return key


def existing_key(env_name: str, path: Path) -> Optional[bytes]:
    """The key in `env_name`; in local mode, else the one a server generated into `path`, if any."""
    value = _env(env_name)
    if value:
        return value.encode()
    return path.read_bytes().strip() if not production() and path.exists() else None


def _read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key in `path`, written first if there is none, safely against a racing process.

    The key goes into a private temporary file (mkstemp: O_EXCL, 0600) that is
    then hard-linked to its name, which fails if the name exists: the loser of
    a race reads the winner's complete file, never an empty or partial one (as
    it could with O_EXCL on the name itself, between the winner's open and write).
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(make())
                out.flush()
                os.fsync(out.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process started at the same time: use its key
        finally:
            os.unlink(temporary)
    return path.read_bytes().strip()


def main(servers: List[str]) -> None:
    """`python -m clinic.keys rasa console ...`: every server's problems at once (bin/serve,
    before starting any)."""
    found = [f"{server}: {problem}" for server in servers for problem in problems(server)]
    if found:
        raise RefusedToStart(f"refusing to start (CLINIC_ENV={mode()}):\n  " + "\n  ".join(found))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
