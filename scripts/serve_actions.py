"""Starts the action server: `python -m scripts.serve_actions [--port N]`.

`rasa run actions` listens on every interface (0.0.0.0) and its webhook has no
authentication, so anyone who can reach the port can run the actions. This
runs the same app, made by rasa_sdk's own factory, on ACTION_HOST instead:
127.0.0.1 unless set (Rasa calls it at ACTION_ENDPOINT_URL). Files are
private to the service user (clinic/keys.py) and requests are limited to
SANIC_REQUEST_MAX_SIZE bytes as for the Rasa server (scripts/serve_rasa.py).

Options are rasa_sdk's own (--actions, --port, --cors, -v, ...); the port
defaults to ACTION_PORT.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import List

from clinic import keys
from scripts.serve_rasa import request_size_limit


def main(argv: List[str]) -> None:
    keys.refuse_to_start_without_secrets("actions")
    keys.private_files()
    request_size_limit()
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
    from rasa_sdk.plugin import plugin_manager
    from sanic.exceptions import SanicException
    from sanic.request import Request
    from sanic.response import HTTPResponse

    parser = create_argument_parser()
    parser.set_defaults(actions="actions", port=int(os.environ.get("ACTION_PORT") or 5055))
    args = parser.parse_args(argv)
    host = os.environ.get("ACTION_HOST") or "127.0.0.1"
    # What rasa_sdk's own `main_from_args` and `run` do, but for the host.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    app = create_app(args.actions, cors_origins=args.cors, auto_reload=args.auto_reload)

    @app.exception(SanicException)
    async def http_error(request: Request, error: SanicException) -> HTTPResponse:
        # rasa_sdk answers every exception with 500; Sanic's own (413, 404, 405) keep their status.
        return app.error_handler.default(request, error)

    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logging.getLogger(__name__).info(
        "action server on %s://%s:%d", "https" if ssl else "http", host, args.port
    )
    app.run(host, args.port, ssl=ssl, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main(sys.argv[1:])
