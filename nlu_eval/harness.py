"""Trains (or reuses) each candidate NLU pipeline and scores them side by side.

    python -m nlu_eval.harness [--candidates default,project,...] [--out results/nlu]

For every candidate: intent accuracy and macro-F1 on in-scope (FAQ) questions,
the share of out-of-scope messages routed to out_of_scope or the fallback,
urgent recall and the false-urgent rate on ordinary messages, accuracy on a
typo-perturbed copy (fixed seed), the worst confusion pairs, parse latency
p50/p95 and model load time; and the same figures on real patient messages
(tests/nlu/real-messages.jsonl, nlu_eval/real_set.py), where a prediction is
right when a careful labeller accepts it. Writes a markdown report (with the
real messages each candidate got wrong) and a confusion-matrix PNG per
candidate to --out (ignored by git) and prints the tables.

Candidates are Rasa configs: `project` is config.yml itself (what ships); the
others live in nlu_eval/candidates/. Trained models are cached in
models/eval/ under a fingerprint of the config, the training data and the
project's NLU code, so a re-run only trains what changed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from clinic import PROJECT_ROOT
from clinic.contract import Intent
from nlp import INFERENCE_ONLY
from nlu_eval import metrics, real_set
from nlu_eval.real_set import RealMessage, RealScores
from nlu_eval.report import pct, real_table, table, write_report
from nlu_eval.typos import TYPO_SEED, perturb

ROOT = PROJECT_ROOT
CANDIDATES_DIR = Path(__file__).resolve().parent / "candidates"
FAQ_PREFIX = "ask_"
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def read_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file, entity markup removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2), line[2:].strip())
                out.append((text, block["intent"]))
    return out


@dataclass
class HeldOutSet:
    """Held-out examples, the ordinary (not urgent) ones named separately."""

    examples: List[Tuple[str, str]]
    not_urgent: List[str]

    @classmethod
    def load(cls, path: Path, not_urgent_path: Optional[Path] = None) -> HeldOutSet:
        examples = read_examples(path)
        names = []
        if not_urgent_path and not_urgent_path.exists():
            names = [
                line.strip() for line in not_urgent_path.read_text().splitlines() if line.strip()
            ]
        return cls(examples, names)

    def typo_copy(self, seed: int = TYPO_SEED) -> List[Tuple[str, str]]:
        return [(perturb(text, seed), intent) for text, intent in self.examples]


@dataclass
class Scores:
    """One candidate's figures."""

    name: str
    in_scope_accuracy: float
    in_scope_macro_f1: float
    out_of_scope_routed: float
    urgent_recall: float
    false_urgent_ordinary: float
    false_urgent_all: float
    typo_accuracy: float
    worst: List[Tuple[Tuple[str, str], int]]
    latency_p50_ms: float
    latency_p95_ms: float
    load_seconds: float
    train_seconds: Optional[float] = None
    pairs: List[Tuple[str, str]] = field(default_factory=list, repr=False)
    real: Optional[RealScores] = None


def score(
    name: str,
    clean: Sequence[Tuple[str, str, str]],
    typos: Sequence[Tuple[str, str, str]],
    test: HeldOutSet,
    latencies: Sequence[float],
    load_seconds: float,
    train_seconds: Optional[float] = None,
) -> Scores:
    """Figures from (text, true, predicted) triples of the clean and typo sets."""
    def in_scope(rows: Sequence[Tuple[str, str, str]]) -> List[Tuple[str, str]]:
        return [(t, p) for _, t, p in rows if t.startswith(FAQ_PREFIX)]

    faq_labels = sorted({t for _, t, _ in clean if t.startswith(FAQ_PREFIX)})
    ordinary = set(test.not_urgent)
    return Scores(
        name=name,
        in_scope_accuracy=metrics.accuracy(in_scope(clean)),
        in_scope_macro_f1=metrics.macro_f1(in_scope(clean), faq_labels),
        out_of_scope_routed=metrics.routed_away_share(
            [p for _, t, p in clean if t == Intent.OUT_OF_SCOPE]
        ),
        urgent_recall=metrics.urgent_recall([(t, p) for _, t, p in clean]),
        false_urgent_ordinary=metrics.false_urgent_rate([p for x, _, p in clean if x in ordinary]),
        false_urgent_all=metrics.false_urgent_rate([p for _, t, p in clean if t != metrics.URGENT]),
        typo_accuracy=metrics.accuracy(in_scope(typos)),
        worst=metrics.worst_confusions([(t, p) for _, t, p in clean], 5),
        latency_p50_ms=metrics.percentile(latencies, 50),
        latency_p95_ms=metrics.percentile(latencies, 95),
        load_seconds=load_seconds,
        train_seconds=train_seconds,
        pairs=[(t, p) for _, t, p in clean],
    )


def fingerprint(config: Path, train_data: Path) -> str:
    digest = hashlib.sha256(config.read_bytes())
    files = sorted(train_data.rglob("*.yml")) if train_data.is_dir() else [train_data]
    files += sorted(p for p in (ROOT / "nlp").rglob("*.py") if p.name not in INFERENCE_ONLY)
    files += [ROOT / "data/kb/terms.yml"]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def train(name: str, config: Path, train_data: Path, models: Path) -> Tuple[Path, Optional[float]]:
    """The candidate's NLU model, trained unless a cached one matches."""
    target = models / f"{name}-{fingerprint(config, train_data)}.tar.gz"
    if target.exists():
        return target, None
    models.mkdir(parents=True, exist_ok=True)
    log = models / f"{name}.train.log"
    print(f"  training {name} (log: {log})", flush=True)
    started = time.monotonic()
    # A fresh Rasa cache: the printed training time is a real one, not a
    # cache hit from an earlier run with the same component.
    with log.open("w") as out, tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "rasa"),
                "train",
                "nlu",
                "--config",
                str(config),
                "--nlu",
                str(train_data),
                "--out",
                str(models),
                "--fixed-model-name",
                target.name[: -len(".tar.gz")],
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": cache},
        )
    if done.returncode != 0:
        raise RuntimeError(f"training {name} failed:\n{log.read_text()[-3000:]}")
    return target, time.monotonic() - started


async def _parse_all(agent, texts: Sequence[str]) -> Tuple[List[str], List[float]]:
    predictions, latencies = [], []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        latencies.append((time.perf_counter() - started) * 1000)
        predictions.append((parsed.get("intent") or {}).get("name") or "None")
    return predictions, latencies


def evaluate_model(
    name: str,
    model: Path,
    test: HeldOutSet,
    train_seconds: Optional[float] = None,
    real: Optional[Sequence[RealMessage]] = None,
) -> Scores:
    """Loads a trained model and scores it on the clean and typo copies, and
    on the real messages when given."""
    from rasa.core.agent import Agent

    started = time.monotonic()
    agent = Agent.load(str(model))
    load_seconds = time.monotonic() - started
    texts = [t for t, _ in test.examples]
    typo_set = test.typo_copy()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_parse_all(agent, texts[:10]))  # warm-up: graphs get built
        predicted, latencies = loop.run_until_complete(_parse_all(agent, texts))
        predicted_typos, _ = loop.run_until_complete(_parse_all(agent, [t for t, _ in typo_set]))
        predicted_real, _ = loop.run_until_complete(_parse_all(agent, [m.text for m in real or []]))
    finally:
        loop.close()
    clean = [(x, t, p) for (x, t), p in zip(test.examples, predicted)]
    typos = [(x, t, p) for (x, t), p in zip(typo_set, predicted_typos)]
    scores = score(name, clean, typos, test, latencies, load_seconds, train_seconds)
    if real:
        scores.real = real_set.score(real, predicted_real)
    return scores


def candidate_configs(names: Optional[Sequence[str]] = None) -> Dict[str, Path]:
    """Name -> config file; `project` is the shipped config.yml."""
    found = {"project": ROOT / "config.yml"}
    found.update({p.stem: p for p in sorted(CANDIDATES_DIR.glob("*.yml"))})
    if names:
        missing = [n for n in names if n not in found]
        if missing:
            raise SystemExit(f"unknown candidates {missing}; known: {sorted(found)}")
        return {n: found[n] for n in names}
    return found


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Score candidate NLU pipelines on held-out data")
    parser.add_argument("--candidates", help="comma-separated names (default: all)")
    parser.add_argument("--train-data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--test", type=Path, default=ROOT / "tests" / "nlu" / "heldout.yml")
    parser.add_argument(
        "--not-urgent", type=Path, default=ROOT / "tests" / "nlu" / "not_urgent.txt"
    )
    parser.add_argument("--real", type=Path, default=ROOT / "tests" / "nlu" / "real-messages.jsonl",
                        help="real patient messages (JSON lines with text, kind, accept)")
    parser.add_argument("--models", type=Path, default=ROOT / "models" / "eval")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu")
    parser.add_argument("--config-dir", type=Path, help="extra folder of candidate configs (tests)")
    args = parser.parse_args(argv)

    configs = candidate_configs(args.candidates.split(",") if args.candidates else None)
    if args.config_dir:
        configs = {p.stem: p for p in sorted(args.config_dir.glob("*.yml"))}
    test = HeldOutSet.load(args.test, args.not_urgent)
    real = real_set.load(args.real) if args.real.exists() else []
    print(f"held-out: {len(test.examples)} messages ({len(test.not_urgent)} ordinary-not-urgent); "
          f"real: {len(real)} messages")
    results = []
    for name, config in configs.items():
        model, train_seconds = train(name, config, args.train_data, args.models)
        results.append(evaluate_model(name, model, test, train_seconds, real))
        real_note = f", real in-scope {pct(results[-1].real.in_scope)}" if results[-1].real else ""
        print(f"  {name}: in-scope {pct(results[-1].in_scope_accuracy)}{real_note}", flush=True)
    print()
    print(table(results))
    if real:
        print(f"\nReal messages ({args.real.name}):")
        print(real_table(results))
    for r in results:
        print(
            f"\n{r.name} worst confusions: " + ", ".join(f"{t}->{p} ({n})" for (t, p), n in r.worst)
        )
    report = write_report(results, args.out, args.test)
    print(f"\nreport: {report}")


if __name__ == "__main__":
    main()
