"""The trained model is named by a fingerprint of what it is trained from.

`python scripts/model.py path`  prints the model file for the current sources;
`python scripts/model.py train` trains it unless that file already exists.

Rasa's own training cache keys the spaCy pipeline by its name only, and custom
components by their config, so a changed terms file or component would reuse
stale cached output; training here is therefore always `--force`, and skipped
only when the fingerprint (which covers those files) is unchanged.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

from nlp import INFERENCE_ONLY

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
PREFIX = "microneedling-"
LOG = ROOT / "var" / "train.log"
VENV_BIN = Path(sys.executable).parent

# Everything the model depends on (the knowledge base's answers are not: the
# action server reads them at start-up).
TRAINING_INPUTS = [
    "config.yml",
    "domain.yml",
    "data/nlu",
    "data/rules",
    "data/stories",
    "data/kb/terms.yml",
    "nlp",
    "requirements.txt",
]


def input_files() -> List[Path]:
    files: List[Path] = []
    for name in TRAINING_INPUTS:
        path = ROOT / name
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in {".yml", ".yaml", ".py"}
                and p.name not in INFERENCE_ONLY
            )
        elif path.exists():
            files.append(path)
    return files


def fingerprint(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"{PREFIX}{fingerprint(input_files())}.tar.gz"


def train() -> Path:
    target = model_path()
    if target.exists():
        print(f"model is up to date: {target.relative_to(ROOT)}")
        return target
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    started = time.monotonic()
    subprocess.run(
        [str(VENV_BIN / "python"), "-m", "nlp.build_pipeline"], cwd=ROOT, env=env, check=True
    )
    LOG.parent.mkdir(parents=True, exist_ok=True)
    print(
        f"training {target.relative_to(ROOT)} "
        f"(about a minute on 2 cores; log: {LOG.relative_to(ROOT)})",
        flush=True,
    )
    with LOG.open("w") as log:
        done = subprocess.run(
            [
                str(VENV_BIN / "rasa"), "train", "--force",
                "--config", "config.yml", "--domain", "domain.yml",
                "--data", "data/nlu", "data/rules", "data/stories",
                "--out", str(MODELS), "--fixed-model-name", target.name[: -len(".tar.gz")],
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        sys.exit(f"training failed; the end of {LOG}:\n{LOG.read_text(errors='replace')[-4000:]}")
    for old in MODELS.glob(f"{PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"trained {target.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return target


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "path"
    if command == "path":
        print(model_path())
    elif command == "train":
        train()
    else:
        sys.exit(f"usage: {sys.argv[0]} path|train")
