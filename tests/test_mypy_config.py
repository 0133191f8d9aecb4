"""Every service module is type-checked strictly: `backend.services.*` is ignored by mypy unless
listed in pyproject's strict override, so a new module left out would silently go unchecked."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _strict_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    overrides = config["tool"]["mypy"]["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_defs") and o.get("ignore_errors") is False]
    assert len(strict) == 1, "one strict override is expected"
    return set(strict[0]["module"])


def test_every_service_module_is_in_the_strict_mypy_list() -> None:
    services = ROOT / "backend" / "services"
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in services.rglob("*.py")
    }
    missing = sorted(modules - _strict_modules())
    assert not missing, f"add to pyproject's strict mypy list: {missing}"


def test_the_domain_is_strict_as_a_whole() -> None:
    assert {"backend.domain", "backend.domain.*"} <= _strict_modules()
