"""The patient app's ES modules as one script, built when served (no build step, no Node).

On a weak mobile link a first load is round trips: ~20 module files, six at a time over
HTTP/1.1, discovered import by import, cost about four of them (bench/pwa_load.py). Served as
one bundle they cost one. The module files stay the source (and the dashboard's modules are
loaded as they are); :func:`bundle` rewrites them the way the browser's loader would link them.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The patient app's ES modules use two forms only (a test keeps it so): one-line
# ``import { a, b } from './x.js';`` and ``export`` before a top-level declaration.
_IMPORT = re.compile(r"""^import \{([^}]*)\} from '(\.{1,2}/[^']+)';$""", re.M)
_EXPORT = re.compile(r"^export (?=(?:async )?function\*? (\w+)|class (\w+)|const (\w+) =)", re.M)
BUNDLE_ENTRY = "patient/main.js"
BUNDLE_URL = "/app/patient/bundle.js"


def _resolve(module: str, target: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(module), target))


def module_order(entry: str) -> list[str]:
    """``entry`` and every module it imports, directly or not, each after what it imports."""
    order: list[str] = []
    visiting: list[str] = []

    def visit(module: str) -> None:
        if module in order:
            return
        if module in visiting:
            raise ValueError(f"circular import: {' -> '.join([*visiting, module])}")
        visiting.append(module)
        for _, target in _IMPORT.findall((STATIC_DIR / module).read_text(encoding="utf-8")):
            visit(_resolve(module, target))
        order.append(visiting.pop())

    visit(entry)
    return order


def bundle(entry: str = BUNDLE_ENTRY) -> str:
    """The app's modules as one script (served as a module), so a phone on a slow link fetches
    one file instead of discovering ~20 a round trip at a time, six at once.

    Each module becomes a function scope run once, after the modules it imports, returning its
    exports; an import becomes a ``const`` destructuring of those. Exports here are functions,
    classes and constants, and there are no cycles, so this is what the browser's loader does.
    The bundle exports each module's exports object under the module's path.
    """
    order = module_order(entry)
    names = {module: f"__module{index}" for index, module in enumerate(order)}
    parts = [f"// {entry} and the modules it imports, bundled by backend/web (one request)\n"]
    for module in order:
        source = (STATIC_DIR / module).read_text(encoding="utf-8")
        exported = [next(name for name in found if name) for found in _EXPORT.findall(source)]
        source = _EXPORT.sub("", source)

        def _binding(m: re.Match[str], module: str = module) -> str:
            return f"const {{{m.group(1).replace(' as ', ': ')}}} = {names[_resolve(module, m.group(2))]};"

        source = _IMPORT.sub(_binding, source)
        parts.append(
            f"// --- {module}\nconst {names[module]} = (() => {{\n{source}\n"
            f"return {{ {', '.join(exported)} }};\n}})();\n"
        )
    # Each module's exports under its path, for whoever needs the page's own instances (a test's
    # ``import('/app/patient/bundle.js')`` shares them; importing a module file would not).
    exports = ", ".join(f'{names[module]} as "{module}"' for module in order)
    parts.append(f"export {{ {exports} }};\n")
    return "".join(parts)
