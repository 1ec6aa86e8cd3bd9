"""The website chat widget's server (webchat/serve.py: headers, CSP, config,
404s) and embedding the widget on a clinic's own site, another allowed origin.
The servers and helpers: tests/webchat_support.py and conftest.py."""

from __future__ import annotations

import http.client
import http.server
import re
import threading
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.webchat_support import CLINIC, LAUNCHER, MAX_CHARS, NOTICE, Site, ask, bot, new_tab


def raw_get(url: str, path: str) -> int:
    """Status of a request for exactly `path` (no client-side normalisation of `..`)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_site_server_headers_config_and_404s(site: Site) -> None:
    rasa_hostport = site.servers.rasa_url.removeprefix("http://")
    page = requests.get(f"{site.url}/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<script type="module" src="/webchat/clinic-chat.js"></script>' in page.text
    assert '<clinic-chat config="/webchat/config.json"></clinic-chat>' in page.text
    for path in ["/", "/services.html", "/webchat/clinic-chat.js", "/webchat/config.json", "/nope"]:
        reply = requests.get(f"{site.url}{path}", timeout=10)
        csp = reply.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert f"connect-src 'self' http://{rasa_hostport} ws://{rasa_hostport}" in csp
        assert "script-src 'self';" in csp and "style-src 'self';" in csp
        sources = re.findall(r"(?:https?|wss?)://[^\s;]+", csp)
        assert set(sources) == {f"http://{rasa_hostport}", f"ws://{rasa_hostport}"}, csp
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
    types = {
        "/webchat/clinic-chat.js": "text/javascript",
        "/webchat/vendor/socket.io.esm.min.js": "text/javascript",
        "/demo/logo.svg": "image/svg+xml",
        "/demo/site.css": "text/css",
        "/healthz": "text/plain",
    }
    for path, content_type in types.items():
        reply = requests.get(f"{site.url}{path}", timeout=10)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Type"].split(";")[0] == content_type, path
    assert requests.get(f"{site.url}/healthz", timeout=10).text.strip() == "ok"

    config = requests.get(f"{site.url}/webchat/config.json", timeout=10).json()
    assert config == {
        "name": CLINIC.name,
        "phone": CLINIC.phone,
        "title": CLINIC.branding["title"],
        "primary_color": CLINIC.branding["primary_color"],
        "primary_text_color": CLINIC.branding["primary_text_color"],
        "logo": CLINIC.branding["logo"],
        "server": site.servers.rasa_url,
        "max_message_chars": MAX_CHARS,
    }

    for path in ["/../clinic.yml", "/demo/../../clinic.yml", "/webchat/../../clinic.yml",
                 "/webchat/%2e%2e/%2e%2e/clinic.yml", "/demo/..%2f..%2fclinic.yml",
                 "/webchat/", "/demo/", "/webchat/vendor/", "/serve.py", "/clinic.yml",
                 "/webchat/.built", "/nope", "/services.html/x"]:
        assert raw_get(site.url, path) == 404, path
    assert requests.post(f"{site.url}/", timeout=10).status_code == 405


@pytest.fixture(scope="module")
def clinic_site(site: Site) -> Iterator[str]:
    """A page on another origin with the README's two embed lines, as a clinic's site would be."""
    page = (
        f'<!doctype html><html lang="en"><head><title>Our clinic</title></head>'
        f'<body><h1>Our clinic</h1>'
        f'<script type="module" src="{site.url}/webchat/clinic-chat.js"></script>'
        f'<clinic-chat config="{site.url}/webchat/config.json"></clinic-chat></body></html>'
    ).encode()
    flaky_page = (
        f'<!doctype html><html lang="en"><head><title>Flaky</title></head><body>'
        f'<script type="module" src="{site.url}/webchat/clinic-chat.js"></script>'
        f'<clinic-chat config="/flaky/config.json"></clinic-chat></body></html>'
    ).encode()
    flaky = {"failures": 2}  # /flaky/config.json answers 503 twice, then the real config

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/flaky/config.json":
                return self.flaky_config()
            body = flaky_page if self.path == "/flaky" else page
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def flaky_config(self) -> None:
            if flaky["failures"]:
                flaky["failures"] -= 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = requests.get(f"{site.url}/webchat/config.json", timeout=10).content
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", site.embed_port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.embed_port}/"
    server.shutdown()


def test_the_two_embed_lines_work_on_another_allowed_origin(
    browser: Browser, site: Site, clinic_site: str
) -> None:
    tab = new_tab(browser, clinic_site)
    page = tab.page
    page.get_by_role("button", name=LAUNCHER).click()
    expect(bot(page, NOTICE)).to_be_visible()
    ask(page, "does microneedling hurt?")
    expect(bot(page, "numbing")).to_be_visible()
    assert tab.errors == []
    tab.page.context.close()
    allowed = requests.get(
        f"{site.url}/webchat/config.json", headers={"Origin": clinic_site.rstrip("/")}, timeout=10
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == clinic_site.rstrip("/")
    other = requests.get(
        f"{site.url}/webchat/clinic-chat.js", headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_config_that_fails_at_first_is_retried(browser: Browser, clinic_site: str) -> None:
    tab = new_tab(browser, clinic_site + "flaky")
    # the clinic's name (hence its phone) comes from the config the third request got
    expect(tab.page.get_by_role("button", name=LAUNCHER)).to_be_visible(timeout=20_000)
    tab.page.context.close()
