"""A local stand-in for Twilio's Messages endpoint: records what would be sent.

Only Twilio's cloud is faked, at the HTTP boundary; the channel's own code
(signature check, store, composing, retries) runs for real.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List
from urllib.parse import parse_qs


class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/<sid>/Messages.json like Twilio does."""

    def __init__(self) -> None:
        self.sent: List[Dict[str, str]] = []
        self.attempts = 0
        self.fail_next = 0  # answer this many requests with HTTP 500 first
        self.fail_until = 0.0  # and every request before this time.time()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake._lock:
                    fake.attempts += 1
                    failing = fake.fail_next > 0 or time.time() < fake.fail_until
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                    sid = f"SM{len(fake.sent) + 1:032d}"
                    if not failing:
                        fake.sent.append(
                            {
                                **form,
                                "path": self.path,
                                "auth": self.headers.get("Authorization", ""),
                                "sid": sid,
                            }
                        )
                status = 500 if failing else 201
                body = (
                    {"message": "boom"}
                    if failing
                    else {"sid": sid, "status": "queued"}
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages_to(self, number: str) -> List[str]:
        with self._lock:
            return [m["Body"] for m in self.sent if m.get("To") == number]

    def received_to(self, number: str) -> List[Dict[str, str]]:
        """What the gateway accepted for `number`, with the SID it answered, in order."""
        with self._lock:
            return [dict(m) for m in self.sent if m.get("To") == number]

    def wait_for(self, number: str, count: int, timeout: float = 20.0) -> List[str]:
        """Bodies sent to `number`, once there are at least `count` (or on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            bodies = self.messages_to(number)
            if len(bodies) >= count:
                return bodies
            time.sleep(0.1)
        return self.messages_to(number)

    def close(self) -> None:
        self.server.shutdown()
