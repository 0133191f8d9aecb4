"""The code's shape, checked: services and domain rules without Flask (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent / "backend"


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_service_or_domain_module_imports_flask():
    """Services and domain rules are functions of plain values and a session, testable without an app."""
    offenders = [
        f"{path.relative_to(BACKEND.parent)}: {name}"
        for package in ("services", "domain")
        for path in sorted((BACKEND / package).rglob("*.py"))
        for name in _imported_modules(path)
        if name == "flask" or name.startswith("flask.") or name.startswith("flask_")
    ]
    assert offenders == []
