"""The console's disk full in the default profile: its SQLite database (and
the tracker store beside it in VAR_DIR) on a small tmpfs this test mounts.

Every signed-in page saves the session, and signing in records the attempt,
so a full disk refused them all: signed-in pages as "Bad Request (400)" (the
session could not be saved, which Django takes for a concurrent sign-out),
signing in as "Server Error (500)". Staff now get a page that says the disk
is full and nothing was saved, the server keeps running, and it works again
once space is freed.
"""

from __future__ import annotations

from pathlib import Path

from tests.console_support import sign_in, start_console, tracker_with_one_conversation
from tests.disk_support import disk_full, small_disk

SAYS_SO = "The disk that holds its database is full"


def test_a_full_disk_gets_staff_a_page_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    with small_disk(tmp_path / "var") as var:
        console = start_console(
            tmp_path, tracker_with_one_conversation(var), {"nurse": "staff"},
            VAR_DIR=str(var), CONSOLE_DATABASE_URL=f"sqlite:///{var / 'console.db'}",
        )
        try:
            nurse = console.sign_in("nurse")
            with disk_full(var):
                page = nurse.get(f"{console.url}/conversations/", timeout=30)
                assert page.status_code == 503 and SAYS_SO in page.text
                _, signing_in = sign_in(console.url, "nurse")
                assert signing_in.status_code == 503 and SAYS_SO in signing_in.text
                assert console.proc.poll() is None
            page = nurse.get(f"{console.url}/conversations/", timeout=30)
            assert page.status_code == 200 and "Conversations" in page.text
        finally:
            console.stop()
    log = console.log.read_text().splitlines()
    lines = [line for line in log if "a database's disk is full" in line]
    assert len(lines) == 2 and all("database or disk is full" in line for line in lines), lines
