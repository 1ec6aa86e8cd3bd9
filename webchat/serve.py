"""The demo website of the clinic with the chat widget, on a small stdlib server.

`bin/serve` starts it as `.venv/bin/python webchat/serve.py` (from the project
root). It serves only what the widget and the demo need:

    /, /services.html     two pages of a fictional clinic site (webchat/demo/)
    /demo/...             the demo site's static files (style sheet, logo)
    /webchat/config.json  the widget's branding and Rasa URL, from clinic.yml
    /webchat/...          the built widget (webchat/dist/, made by `make install`)
    /healthz              200 "ok"

The widget's files and config.json carry CORS headers for the origins in
WEBCHAT_ALLOWED_ORIGINS (the same setting the socket uses), so a clinic's own
site on another origin can load them as a module.

Anything else is a 404: no directory listings, nothing outside those folders.
Every response carries a strict Content-Security-Policy ('self' only, plus the
Rasa server's http and ws origins for the socket), nosniff and no-referrer.

A connection that sends nothing for WEBCHAT_SOCKET_TIMEOUT seconds (a slow
or stalled client, an idle keep-alive) is closed: each one holds a thread.

Settings (environment): WEBCHAT_PORT (8000), WEBCHAT_HOST (127.0.0.1),
RASA_PUBLIC_URL (http://localhost:5005, where browsers reach Rasa),
CLINIC_CONFIG (clinic.yml), MAX_MESSAGE_CHARS (2000), WEBCHAT_SOCKET_TIMEOUT (20).
"""

from __future__ import annotations

import json
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import unquote, urlsplit

from clinic import keys
from clinic.config import load_clinic
from clinic.origins import allowed_origins

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

DEMO_DIR = HERE / "demo"
DIST_DIR = HERE / "dist"
PAGES = {"/": "index.html", "/index.html": "index.html", "/services.html": "services.html"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
# What config.json passes on from clinic.yml's `branding`. The defaults for
# what clinic.yml leaves out are the widget's own (DEFAULTS in webchat/src/config.js).
BRANDING_KEYS = ("title", "primary_color", "primary_text_color", "logo")


def rasa_origins(public_url: str) -> Tuple[str, str]:
    """The http(s) and ws(s) origins of the Rasa server, for connect-src."""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SystemExit(f"RASA_PUBLIC_URL must be an http(s) URL, not {public_url!r}")
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"


def content_security_policy(public_url: str) -> str:
    http_origin, ws_origin = rasa_origins(public_url)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'none'",
        f"connect-src 'self' {http_origin} {ws_origin}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def widget_config(public_url: str, max_chars: int) -> Dict[str, object]:
    """What /webchat/config.json says: the clinic's details and branding, and Rasa's URL."""
    clinic = load_clinic()  # CLINIC_CONFIG or clinic.yml; raises if a detail is missing
    branding = {key: str(clinic.branding[key]) for key in BRANDING_KEYS if clinic.branding.get(key)}
    return {
        "name": clinic.name,
        "phone": clinic.phone,
        **branding,
        "server": public_url.rstrip("/"),
        "max_message_chars": max_chars,
    }


def safe_file(base: Path, relative: str) -> Optional[Path]:
    """`base/relative` if it is a regular file inside `base`, else None."""
    if not relative or "\0" in relative or "\\" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None  # no traversal, no empty segments, no hidden files
    path = (base / relative).resolve()
    try:
        path.relative_to(base.resolve())
    except ValueError:
        return None
    return path if path.is_file() and path.suffix in CONTENT_TYPES else None


class Handler(BaseHTTPRequestHandler):
    server_version = "clinic-webchat"
    protocol_version = "HTTP/1.1"
    # set by make_server
    csp = ""
    config_body = b""
    origins: Tuple[str, ...] = ()

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self.respond(head=False)

    def do_HEAD(self) -> None:
        self.respond(head=True)

    def do_POST(self) -> None:
        self.send_plain(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", allow="GET, HEAD")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def respond(self, head: bool) -> None:
        raw_path = urlsplit(self.path).path
        path = unquote(raw_path)
        if path == "/healthz":
            return self.send_plain(HTTPStatus.OK, "ok", head=head)
        cors = self.cors_headers() if path.startswith("/webchat/") else {}
        if path == "/webchat/config.json":
            return self.send_body(
                HTTPStatus.OK, self.config_body, CONTENT_TYPES[".json"], head, **cors
            )
        file: Optional[Path] = None
        if path in PAGES:
            file = safe_file(DEMO_DIR, PAGES[path])
        elif path.startswith("/demo/"):
            file = safe_file(DEMO_DIR, path[len("/demo/"):])
        elif path.startswith("/webchat/"):
            file = safe_file(DIST_DIR, path[len("/webchat/"):])
        if file is None:
            return self.send_plain(HTTPStatus.NOT_FOUND, "not found", head=head)
        self.send_body(HTTPStatus.OK, file.read_bytes(), CONTENT_TYPES[file.suffix], head, **cors)

    def cors_headers(self) -> Dict[str, str]:
        """Lets an allowed site (not every site) load the widget across origins."""
        origin = (self.headers.get("Origin") or "").rstrip("/")
        if origin and ("*" in self.origins or origin in self.origins):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {"Vary": "Origin"}

    def security_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        self.send_header("Cache-Control", "no-cache")

    def send_body(self, status: HTTPStatus, body: bytes, content_type: str, head: bool = False,
                  **extra: str) -> None:
        self.send_response(status)
        self.security_headers()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name if "-" in name else name.capitalize(), value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_plain(self, status: HTTPStatus, text: str, head: bool = False, **extra: str) -> None:
        self.send_body(status, text.encode() + b"\n", CONTENT_TYPES[".txt"], head, **extra)

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """The stdlib's errors (bad request line, ...) with the same headers.

        A method the server has no handler for ("TRACE", "BREW") is the
        client's mistake: 405 with the methods it may use, not the stdlib's 501."""
        self.close_connection = True
        if code == HTTPStatus.NOT_IMPLEMENTED:
            return self.send_plain(
                HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", allow="GET, HEAD"
            )
        self.send_plain(HTTPStatus(code), message or HTTPStatus(code).phrase)

    def log_request(self, code: object = "-", size: object = "-") -> None:
        # Method, path and status only: no query strings, no client details.
        path = urlsplit(self.path).path if hasattr(self, "path") else "-"
        sys.stderr.write(f"webchat: {getattr(self, 'command', '-')} {path} {code}\n")

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"webchat: {format % args}\n")


def make_server(
    host: str, port: int, public_url: str, max_chars: int, timeout: float = 20.0
) -> ThreadingHTTPServer:
    config = widget_config(public_url, max_chars)
    handler = type("ClinicHandler", (Handler,), {
        "csp": content_security_policy(public_url),
        "config_body": json.dumps(config, indent=2).encode(),
        "origins": tuple(allowed_origins()),
        "timeout": timeout,  # StreamRequestHandler sets it on each connection's socket
    })
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main() -> None:
    keys.refuse_to_start_without_secrets("webchat")
    keys.private_files()
    port = int(os.environ.get("WEBCHAT_PORT") or 8000)
    host = os.environ.get("WEBCHAT_HOST") or "127.0.0.1"
    public_url = os.environ.get("RASA_PUBLIC_URL") or "http://localhost:5005"
    max_chars = int(os.environ.get("MAX_MESSAGE_CHARS") or 2000)
    if not (DIST_DIR / "clinic-chat.js").is_file():
        print("webchat: the widget is not built: run 'make install'", file=sys.stderr)
    timeout = float(os.environ.get("WEBCHAT_SOCKET_TIMEOUT") or 20)
    server = make_server(host, port, public_url, max_chars, timeout)
    print(f"webchat: demo site on http://{host}:{port}/ (Rasa at {public_url})", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
