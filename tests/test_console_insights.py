"""Insights (issue 15): the dates on the charts' x axis never overlap, whatever
the range, and the totals are links to the conversation list filtered to what
they count. Against the real console in Debian's Chromium."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from review import charts
from tests.browser import chromium
from tests.console_support import PASSWORD, Console, start_console
from tests.tracker_events import TrackerWriter, session_start, turn

DAY = 86400.0

expect.set_options(timeout=20_000)


def conversation(days_ago: int, kind: str) -> list:
    at = time.time() - days_ago * DAY
    if kind == "urgent":
        reply = turn(at + 1, "the redness is spreading", "urgent_symptom", 0.98,
                     action="utter_urgent_symptom", slots={"urgent_flagged": True})
    elif kind == "callback":
        reply = turn(at + 1, "call me", "request_human", 0.95, slots={"callback_requested": True})
    elif kind == "fallback":
        reply = turn(at + 1, "asdf qwer", "nlu_fallback", 0.3)
    else:
        reply = turn(at + 1, "does it hurt", "ask_pain", 0.97)
    return session_start(at) + reply


# one conversation a day for 100 days; every 5th urgent, every 7th a call-back
KINDS = {n: "urgent" if n % 5 == 0 else "callback" if n % 7 == 0 else
         "fallback" if n % 3 == 0 else "plain" for n in range(1, 101)}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    workdir = tmp_path_factory.mktemp("console-insights")
    tracker = workdir / "tracker.db"
    writer = TrackerWriter(f"sqlite:///{tracker}")
    for days_ago, kind in KINDS.items():
        writer.add(f"insights-{days_ago}", conversation(days_ago, kind))
    running = start_console(workdir, tracker, {"maria": "staff"})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def page(console: Console) -> Iterator[Page]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{console.url}/insights/")
        page.get_by_label("Username").fill("maria")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        yield page
        context.close()


def overlaps(page: Page) -> list:
    """Pairs of neighbouring x axis labels that touch, in any chart, as drawn."""
    return page.locator("figure.chart svg").evaluate_all(
        """svgs => svgs.flatMap(svg => {
             const boxes = [...svg.querySelectorAll('text.label[text-anchor="middle"]')]
               .map(t => t.getBoundingClientRect());
             return boxes.slice(1).flatMap((box, i) => box.left < boxes[i].right + 2
               ? [[boxes[i].right, box.left]] : []);
           })"""
    )


@pytest.mark.parametrize("days", [14, 30, 45, 60, 90, 365, 3 * 366])
@pytest.mark.parametrize("width", [1024, 1366])
def test_the_date_labels_never_overlap(
    console: Console, page: Page, days: int, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    start = date.today() - timedelta(days=days - 1)
    page.goto(f"{console.url}/insights/?start={start}")
    labels = page.locator("figure.chart").first.locator('text.label[text-anchor="middle"]')
    assert labels.count() >= 2  # thinned, not gone
    assert overlaps(page) == []


def test_labels_fit_by_the_chart_s_own_arithmetic() -> None:
    for count in range(1, 200):
        buckets = [(date(2026, 1, 1) + timedelta(days=n)).isoformat() for n in range(count)]
        chart = charts.columns("t", buckets, {"a": dict.fromkeys(buckets, 1)}, {"a": "bar"})
        middles = [float(label.x) for label in chart.labels]
        room = charts.text_width("2026-01-01")
        assert all(b - a >= room for a, b in zip(middles, middles[1:])), count
        assert all(x + room / 2 <= charts.WIDTH for x in middles)


def test_each_total_opens_the_list_filtered_to_what_it_counts(
    console: Console, page: Page
) -> None:
    start, end = date.today() - timedelta(days=29), date.today()
    page.goto(f"{console.url}/insights/?start={start}&end={end}")
    for name, flag, wanted in (
        ("urgent", "urgent", {n for n, k in KINDS.items() if k == "urgent"}),
        ("call-back", "callback", {n for n, k in KINDS.items() if k == "callback"}),
        ("Not understood", "fallback", {n for n, k in KINDS.items() if k == "fallback"}),
        (r"^\d+ conversations", None, set(KINDS)),
    ):
        link = page.locator(".totals").get_by_role("link", name=re.compile(name, re.I))
        shown = link.inner_text()
        link.click()
        expect(page).to_have_url(re.compile(r"/conversations/\?"))
        query = parse_qs(urlparse(page.url).query)
        assert query["start"] == [start.isoformat()] and query["end"] == [end.isoformat()]
        assert query.get("flag") == ([flag] if flag else None)
        in_range = {n for n in wanted if n <= 29}
        rows = page.locator("tbody tr[data-conversation]")
        expect(rows).to_have_count(len(in_range))
        if flag != "fallback":
            assert shown == str(len(in_range))
        page.go_back()
