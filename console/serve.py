"""Serves the staff console with waitress: `.venv/bin/python console/serve.py`.

Before serving it brings the console's database schema up to date, clears
expired sessions, indexes what is new in Rasa's tracker store and loads the
redaction's tokenizer, so the first pages are quick.

Settings (environment): CONSOLE_PORT (8001), CONSOLE_HOST (127.0.0.1: put a
TLS proxy in front for other machines, with CONSOLE_BEHIND_HTTPS_PROXY=1 and
CONSOLE_TRUSTED_PROXY), CONSOLE_THREADS (4); the rest in
clinic_console/settings.py.
"""

from __future__ import annotations

import logging
import os

from clinic import keys
from clinic_console.lean import keep_tensorflow_out


def main() -> None:
    keys.private_files()  # its database, sessions and key: the service user's only
    keep_tensorflow_out()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic_console.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("clearsessions")
    from review import indexer
    from review.redaction import redact

    indexer.refresh()
    redact("my name is Alex")  # loads spaCy now rather than in a patient's first transcript
    from waitress import serve

    from clinic_console.wsgi import application

    host = os.environ.get("CONSOLE_HOST") or "127.0.0.1"
    port = int(os.environ.get("CONSOLE_PORT") or 8001)
    logging.getLogger("console").info("staff console on http://%s:%d/", host, port)
    serve(application, host=host, port=port, threads=int(os.environ.get("CONSOLE_THREADS") or 4),
          ident="console", **proxy_settings())


def proxy_settings() -> dict:
    """Forwarded headers are honoured only behind a TLS proxy we were told
    about (CONSOLE_BEHIND_HTTPS_PROXY=1), and only from its address
    (CONSOLE_TRUSTED_PROXY, default 127.0.0.1): waitress then takes the
    client's address from X-Forwarded-For and the scheme from
    X-Forwarded-Proto (so Django's request.is_secure() is true and cookies
    get Secure). Otherwise such headers are dropped."""
    if os.environ.get("CONSOLE_BEHIND_HTTPS_PROXY", "").strip().lower() not in {
        "1",
        "true",
        "yes",
        "on",
    }:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": os.environ.get("CONSOLE_TRUSTED_PROXY") or "127.0.0.1",
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


if __name__ == "__main__":
    main()
