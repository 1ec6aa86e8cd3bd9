"""Starts the Rasa server: `python -m scripts.serve_rasa <rasa run options>`.

The same as `rasa run <options>`, with three differences:

- the API token comes from RASA_AUTH_TOKEN in the environment, never the
  command line, where every local user can read it (`ps`,
  /proc/<pid>/cmdline). Rasa 3.6 reads the token from its arguments only, so
  it is added to this process's own copy of them (sys.argv), which /proc
  does not show, and Rasa's own command line entry point runs as usual;
- files are private to the service user and, with CLINIC_ENV=production, the
  server refuses to start without its secrets (clinic/keys.py);
- Sanic reads at most SANIC_REQUEST_MAX_SIZE bytes of a request (1 MB unless
  set; Sanic's default is 100 MB) and answers 413 before reading a longer
  body. Every channel's own limit is far lower.
"""

from __future__ import annotations

import os
import sys
from typing import List

from clinic import keys

REQUEST_MAX_BYTES = 1024 * 1024


def request_size_limit() -> None:
    """Sanic reads SANIC_-prefixed variables into the config of each app it makes."""
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(REQUEST_MAX_BYTES))


def main(argv: List[str]) -> None:
    if any(
        arg.startswith(("-t", "--auth-token")) for arg in argv
    ):  # also -tTOKEN, --auth-token=TOKEN
        raise SystemExit(
            "serve_rasa: set RASA_AUTH_TOKEN in the environment instead of --auth-token"
        )
    keys.refuse_to_start_without_secrets("rasa")
    keys.private_files()
    request_size_limit()
    token = os.environ.get("RASA_AUTH_TOKEN", "").strip()
    api = ["--enable-api", "--auth-token", token] if token else []
    sys.argv = ["rasa", "run", *argv, *api]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main(sys.argv[1:])
