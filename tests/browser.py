"""Headless Debian Chromium for the browser tests, and tabs that record what a page did."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List

from playwright.sync_api import Browser, Page, sync_playwright

from tests.servers import ROOT

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@dataclass
class Tab:
    """A browser page, with the dialogs it opened and the errors it logged."""

    page: Page
    dialogs: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    # Browser tests are not optional: `make test` installs Debian's chromium.
    assert Path(CHROMIUM).exists(), (
        f"no Chromium at {CHROMIUM}: run `make test-deps` (Debian's chromium) or set CHROMIUM"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched(page: Page) -> Tab:
    """Records the page's dialogs (dismissing them: an alert means injected script ran) and
    errors."""
    tab = Tab(page)

    def on_dialog(dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    return tab
