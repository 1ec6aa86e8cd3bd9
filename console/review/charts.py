"""Chart geometry for server-rendered SVG (templates/review/chart.html).

No JavaScript library and no CDN: the page's Content-Security-Policy allows
neither, and staff machines may be offline. This module only computes
rectangles and labels; the template draws them, so every label goes through
Django's autoescaping. Colours are CSS classes in console.css (no inline
styles under the CSP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

WIDTH = 760
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36
BAR_HEIGHT = 18
FONT_SIZE = 11  # .chart-svg text in console.css
CHAR_EM = 0.65  # wider than any digit or "-" of common sans-serif fonts (DejaVu's: 0.64)
LABEL_GAP = 8


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    css: str
    title: str


@dataclass
class Label:
    x: str
    y: str
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    title: str
    width: int
    height: int
    bars: List[Bar] = field(default_factory=list)
    labels: List[Label] = field(default_factory=list)
    grid: List[Tuple[str, str]] = field(default_factory=list)  # (y, label)
    legend: List[Tuple[str, str]] = field(default_factory=list)  # (css, text)
    empty: bool = False


def _n(value: float) -> str:
    return f"{value:.1f}"


def axis(value: float, integer: bool = True, ceiling: float = 0.0) -> List[float]:
    """Round tick values from 0 to at least `value`: steps of 1, 2 or 5 times
    a power of ten, four or five of them; whole numbers for counts."""
    value = max(value, 1.0)
    raw = max(value / 4, 1e-9)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw)
    if integer:
        step = max(step, 1.0)
    top = math.ceil(value / step - 1e-9) * step
    if ceiling:
        top = min(top, ceiling)
    count = max(1, round(top / step))
    return [top * i / count for i in range(count + 1)]


def columns(
    title: str,
    buckets: Sequence[str],
    series: Dict[str, Dict[str, float]],
    css: Dict[str, str],
    stacked: bool = True,
    percent: bool = False,
) -> Chart:
    """Vertical columns per bucket (a day or a week), stacked or side by side.

    Args:
        buckets: the x axis labels, in order.
        series: series name -> bucket label -> value.
        css: series name -> CSS class.
    """
    chart = Chart(title, WIDTH, HEIGHT, legend=[(css[name], name) for name in series])
    totals = [
        sum(series[name].get(b, 0) for name in series) if stacked
        else max([series[name].get(b, 0) for name in series] or [0])
        for b in buckets
    ]
    ticks = axis(max(totals or [0]), integer=not percent, ceiling=100.0 if percent else 0.0)
    top = ticks[-1]
    chart.empty = not any(totals)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(buckets), 1)
    for value in ticks:
        y = TOP + plot_h - plot_h * value / top
        chart.grid.append((_n(y), f"{value:g}%" if percent else f"{value:g}"))
    names = list(series)
    for i, bucket in enumerate(buckets):
        x0 = LEFT + i * slot + slot * 0.1
        width = slot * 0.8
        base = 0.0
        for j, name in enumerate(names):
            value = series[name].get(bucket, 0)
            if not value:
                continue
            height = plot_h * value / top
            if stacked:
                x, w, y = x0, width, TOP + plot_h - plot_h * base / top - height
                base += value
            else:
                w = width / len(names)
                x, y = x0 + j * w, TOP + plot_h - height
            shown = f"{value:.1f}%" if percent else f"{value:g}"
            chart.bars.append(
                Bar(
                    _n(x),
                    _n(y),
                    _n(max(w, 0.5)),
                    _n(height),
                    css[name],
                    f"{bucket} {name}: {shown}",
                )
            )
    every = label_step(slot, max((len(b) for b in buckets), default=0))
    for i, bucket in enumerate(buckets):
        middle = LEFT + i * slot + slot / 2
        if i % every == 0 and middle + text_width(bucket) / 2 <= WIDTH:
            chart.labels.append(Label(_n(middle), _n(HEIGHT - BOTTOM + 16), bucket))
    return chart


def text_width(text: str) -> float:
    """A generous width of an axis label in the SVG's units (the CSS font size is
    in those units too, so the ratio holds at any width the chart is drawn)."""
    return len(text) * FONT_SIZE * CHAR_EM


def label_step(slot: float, chars: int) -> int:
    """Label every k-th column, k the least with room for a label and a gap."""
    return max(1, math.ceil((chars * FONT_SIZE * CHAR_EM + LABEL_GAP) / max(slot, 1e-9)))


def horizontal(title: str, items: Sequence[Tuple[str, int]], css: str = "bar-intent") -> Chart:
    """One horizontal bar per item (top intents), with its count."""
    label_w = 190
    height = TOP + BOTTOM // 2 + len(items) * (BAR_HEIGHT + 6)
    chart = Chart(title, WIDTH, max(height, 60), empty=not items)
    top = axis(max([n for _, n in items] or [0]))[-1]
    plot_w = WIDTH - label_w - RIGHT - 50
    for i, (name, count) in enumerate(items):
        y = TOP + i * (BAR_HEIGHT + 6)
        width = plot_w * count / top
        chart.bars.append(
            Bar(_n(label_w), _n(y), _n(max(width, 0.5)), str(BAR_HEIGHT), css, f"{name}: {count}")
        )
        chart.labels.append(Label(_n(label_w - 6), _n(y + BAR_HEIGHT - 5), name, "end"))
        chart.labels.append(
            Label(_n(label_w + width + 6), _n(y + BAR_HEIGHT - 5), str(count), "start")
        )
    return chart
