"""The evaluation's report: markdown tables, confusion-matrix PNGs, the report file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from clinic import PROJECT_ROOT as ROOT
from nlu_eval.typos import TYPO_SEED

if TYPE_CHECKING:  # the harness imports this module
    from nlu_eval.harness import Scores


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def table(results: Sequence[Scores]) -> str:
    """The side-by-side markdown table."""
    head = ("| candidate | in-scope acc | macro-F1 | out-of-scope routed away | urgent recall "
            "| false urgent (ordinary / all) | typo acc | parse p50 / p95 | load | train |")
    rows = [head, "|" + " --- |" * 10]
    for r in results:
        train_time = f"{r.train_seconds:.0f} s" if r.train_seconds else "cached"
        rows.append(
            f"| {r.name} | {pct(r.in_scope_accuracy)} | {r.in_scope_macro_f1:.3f} "
            f"| {pct(r.out_of_scope_routed)} | {pct(r.urgent_recall)} "
            f"| {pct(r.false_urgent_ordinary)} / {pct(r.false_urgent_all)} "
            f"| {pct(r.typo_accuracy)} | {r.latency_p50_ms:.1f} / {r.latency_p95_ms:.1f} ms "
            f"| {r.load_seconds:.1f} s | {train_time} |"
        )
    return "\n".join(rows)


def real_table(results: Sequence[Scores]) -> str:
    """The side-by-side table on the real messages."""
    rows = [
        "| candidate | in-scope acc | out-of-scope routed away | urgent recall | false urgent |",
        "|" + " --- |" * 5,
    ]
    for r in results:
        if r.real:
            rows.append(f"| {r.name} | {pct(r.real.in_scope)} | {pct(r.real.out_of_scope_routed)} "
                        f"| {pct(r.real.urgent_recall)} | {pct(r.real.false_urgent)} |")
    return "\n".join(rows)


def confusion_png(result: Scores, path: Path) -> None:
    """A confusion-matrix picture of a candidate's held-out predictions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = sorted({t for t, _ in result.pairs} | {p for _, p in result.pairs})
    index = {label: i for i, label in enumerate(labels)}
    grid = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in result.pairs:
        grid[index[t], index[p]] += 1
    fig, ax = plt.subplots(figsize=(12, 11))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if grid[i, j]:
                ax.text(j, i, grid[i, j], ha="center", va="center", fontsize=6,
                        color="white" if grid[i, j] > grid.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{result.name}: held-out confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: Sequence[Scores], out: Path, test_path: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# NLU evaluation",
        "",
        "Held-out file: `"
        f"{test_path.relative_to(ROOT) if test_path.is_relative_to(ROOT) else test_path}`; "
        f"typo copy generated with seed {TYPO_SEED}.",
        "",
        table(results),
        "",
        "Real messages:",
        "",
        real_table(results),
        "",
    ]
    for r in results:
        png = out / f"confusion-{r.name}.png"
        confusion_png(r, png)
        lines += [f"## {r.name}", "", "Worst confusions (true -> predicted: count):", ""]
        lines += [f"- {t} -> {p}: {n}" for (t, p), n in r.worst] or ["- none"]
        lines += ["", f"![confusion matrix]({png.name})", ""]
        if r.real:
            lines += ["Real messages it got wrong (kind, accepted -> predicted):", ""]
            lines += [
                f"- {m.kind}, {'/'.join(m.accept)} -> {p}: {m.text[:160]!r}"
                for m, p in r.real.misses
            ]
            lines += [""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report
