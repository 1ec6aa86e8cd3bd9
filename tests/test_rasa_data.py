"""Rasa's own checks: `rasa data validate` and conversation tests (`rasa test`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from clinic.contract import Response
from tests.servers import ROOT, VENV_BIN, base_env

DATA = ["data/nlu", "data/rules", "data/stories"]


def responses_sent_by_code() -> set:
    """Responses the code sends itself (custom actions, the project's policy, the
    channels): the contract's names that some module outside clinic/ refers to."""
    code = "\n".join(p.read_text() for folder in ("actions", "policies", "channels")
                     for p in (ROOT / folder).glob("*.py"))
    return {value for name, value in vars(Response).items()
            if name.isupper() and isinstance(value, str) and f"Response.{name}" in code}


def test_rasa_data_validate_is_clean() -> None:
    run = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings", "--data", *DATA],
        cwd=ROOT, env=base_env(), capture_output=True, text=True,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    # Rasa warns about responses no rule or story names; ours are only those the
    # actions, the policy or the channels send (a response used nowhere would fail here).
    unused = set(
        re.findall(r"The utterance '(utter_\w+)' is not used in any story or rule", output)
    )
    assert unused <= responses_sent_by_code(), unused - responses_sent_by_code()
    other = [
        line for line in output.splitlines()
        if "UserWarning" in line and "is not used in any story or rule" not in line
    ]
    assert not other, other


def test_conversation_stories_pass(model_path: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [str(VENV_BIN / "rasa"), "test", "core", "--model", str(model_path),
         "--stories", "tests/stories", "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=ROOT, env=base_env(), capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:] + details
    assert (
        "none of the test stories failed" in details
        or not details.strip()
        or "# None of the test stories failed" in details
    )
