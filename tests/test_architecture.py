"""The rules of docs/architecture.md, checked on the code: which folder imports
which, the conversation's names only in clinic/contract.py, and every one of
them known to the domain."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

from clinic import contract
from clinic.domain import intent_names, load_domain
from tests.servers import ROOT

# Folder -> the project's folders it may import (tests and bench may import anything).
ALLOWED: Dict[str, Set[str]] = {
    "clinic": set(),
    "nlp": {"clinic"},
    "actions": {"clinic", "nlp"},
    "policies": {"clinic", "nlp"},
    "channels": {"clinic", "nlp"},
    "nlg": {"clinic"},
    "console": {"clinic"},
    "webchat": {"clinic"},
    "nlu_eval": {"clinic", "nlp"},
    "scripts": {"clinic", "nlp"},
}
TOP_LEVEL = {**{name: name for name in ALLOWED}, "review": "console", "clinic_console": "console",
             "tests": "tests", "bench": "bench"}
# Words patients type that happen to equal a name: not references to it.
NOT_NAMES = {
    ("channels/sms_keywords.py", "thank"),  # polite filler around STOP ("stop thank you")
    ("channels/sms_keywords.py", "sms"),  # "stop sms"
    ("console/review/redaction/name_triggers.py", "thank"),  # "Thank you, Sarah": a sign-off
}


def modules(folder: str) -> Iterator[Tuple[Path, ast.Module]]:
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" not in path.parts and "node_modules" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def imported_folders(tree: ast.Module) -> Set[str]:
    found = set()
    for node in ast.walk(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and not node.level
                else []
            )
        )
        found |= {TOP_LEVEL[n.split(".")[0]] for n in names if n.split(".")[0] in TOP_LEVEL}
    return found


def test_each_folder_imports_only_what_the_architecture_allows() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {other}"
        for folder, allowed in ALLOWED.items()
        for path, tree in modules(folder)
        for other in sorted(imported_folders(tree) - allowed - {folder})
    ]
    assert wrong == []


def contract_names() -> Dict[str, str]:
    """Every name clinic/contract.py defines -> where ("Intent.URGENT_SYMPTOM")."""
    names = {}
    for kind in (
        contract.Intent,
        contract.Slot,
        contract.EntityType,
        contract.ActionName,
        contract.Response,
        contract.Channel,
        contract.ParseKey,
        contract.ReplyMeta,
    ):
        for attribute, value in vars(kind).items():
            if isinstance(value, str) and not attribute.startswith("_") and attribute.isupper():
                names[value] = f"{kind.__name__}.{attribute}"
    return names


def test_the_contract_names_what_the_domain_declares() -> None:
    domain = load_domain()
    declared = {
        contract.Intent: set(intent_names(domain)) | {contract.Intent.NLU_FALLBACK},
        contract.Slot: set(domain["slots"]),
        contract.EntityType: {
            e if isinstance(e, str) else next(iter(e)) for e in domain["entities"]
        },
        contract.Response: set(domain["responses"]),
        contract.ActionName: set(domain["actions"]) | {contract.ActionName.LISTEN},
    }
    unknown = [
        f"{kind.__name__}.{attribute} = {value!r}"
        for kind, known in declared.items()
        for attribute, value in vars(kind).items()
        if attribute.isupper() and isinstance(value, str) and value not in known
    ]
    assert unknown == []
    assert set(domain["slots"]) == {v for k, v in vars(contract.Slot).items() if k.isupper()}


def test_no_module_outside_clinic_spells_out_a_name_of_the_contract() -> None:
    names = contract_names()
    names.update({intent: f"the intent {intent}" for intent in intent_names(load_domain())})
    spelled: List[str] = []
    for folder in ALLOWED:
        if folder == "clinic":
            continue
        for path, tree in modules(folder):
            where = path.relative_to(ROOT).as_posix()
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value in names
                    and (where, node.value) not in NOT_NAMES
                ):
                    spelled.append(
                        f"{where}:{node.lineno} {node.value!r} (use {names[node.value]})"
                    )
    assert spelled == []
