"""The web front ends as static files: the patient PWA at ``/`` and the site dashboard at ``/site/``.

No API logic lives here. Every asset sits under ``static/`` and is served at ``/app/<path>``;
the two HTML entry points, the service worker and the web app manifest get their own URLs
because browsers bind scope and installability to them. The app factory registers ``bp`` and
sets the Content-Security-Policy for every response; nothing here needs an inline script.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory

from backend.web.compression import compress

STATIC_DIR = Path(__file__).resolve().parent / "static"
# What the service worker keeps for offline use: the patient app shell, never the dashboard.
SHELL_DIRS = ("patient", "common", "i18n", "icons")
SHELL_ROUTES = {"/": "patient/index.html", "/manifest.webmanifest": "manifest.webmanifest"}

bp = Blueprint("web", __name__, static_folder=None)
bp.after_request(compress)


def _no_cache(response: Response) -> Response:
    """Make the browser revalidate every time, so a deploy is picked up on the next load."""
    response.headers["Cache-Control"] = "no-cache"
    return response


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
        source = _IMPORT.sub(
            lambda m, module=module: (
                f"const {{{m.group(1).replace(' as ', ': ')}}} = {names[_resolve(module, m.group(2))]};"
            ),
            source,
        )
        parts.append(
            f"// --- {module}\nconst {names[module]} = (() => {{\n{source}\n"
            f"return {{ {', '.join(exported)} }};\n}})();\n"
        )
    # Each module's exports under its path, for whoever needs the page's own instances (a test's
    # ``import('/app/patient/bundle.js')`` shares them; importing a module file would not).
    exports = ", ".join(f'{names[module]} as "{module}"' for module in order)
    parts.append(f"export {{ {exports} }};\n")
    return "".join(parts)


@bp.get("/")
def patient_app() -> Response:
    """The patient PWA (a single page; screens are chosen by the URL fragment), loading its
    modules as one :func:`bundle`."""
    html = (STATIC_DIR / "patient" / "index.html").read_text(encoding="utf-8")
    html = html.replace(f'src="/app/{BUNDLE_ENTRY}"', f'src="{BUNDLE_URL}"')
    response = Response(html, mimetype="text/html")
    response.add_etag()
    return _no_cache(response.make_conditional(request))


@bp.get(BUNDLE_URL)
def patient_bundle() -> Response:
    """The patient app's modules in one file (:func:`bundle`)."""
    response = Response(bundle(), mimetype="text/javascript")
    response.add_etag()
    return _no_cache(response.make_conditional(request))


@bp.get("/site/")
def dashboard() -> Response:
    """The coordinators' dashboard (a single page; views are chosen by the URL fragment)."""
    return _no_cache(send_from_directory(STATIC_DIR / "site", "index.html"))


@bp.get("/app/<path:filename>")
def asset(filename: str) -> Response:
    """A static asset (ES module, stylesheet, catalogue, icon); 404 outside ``static/``."""
    return _no_cache(send_from_directory(STATIC_DIR, filename))


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest, with the media type browsers expect."""
    response = send_from_directory(STATIC_DIR, "manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    return _no_cache(response)


def shell_files() -> dict[str, str]:
    """What the service worker caches: URL -> file under ``static/`` (entry routes, shell dirs).

    The app's modules are in it as the one :func:`bundle` the page loads (its URL maps to the
    entry module), never one by one: they would be downloaded a second time for nothing.
    """
    files = dict(SHELL_ROUTES)
    files[BUNDLE_URL] = BUNDLE_ENTRY
    for folder in SHELL_DIRS:
        for path in sorted((STATIC_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix != ".js":
                relative = path.relative_to(STATIC_DIR).as_posix()
                files[f"/app/{relative}"] = relative
    return files


def shell_version(files: dict[str, str]) -> str:
    """A short hash of the shell's content: any change to any file gives a new cache name."""
    digest = hashlib.sha256()
    for url, relative in files.items():
        digest.update(url.encode())
        digest.update(bundle().encode() if url == BUNDLE_URL else (STATIC_DIR / relative).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, prefixed with the shell's file list and content version.

    Prefixing (rather than a hand-kept list and version number in ``sw.js``) means the cache
    name changes whenever any shell file changes, so a stale app shell cannot outlive a deploy.
    """
    files = shell_files()
    header = f"const SHELL = {json.dumps({'version': shell_version(files), 'files': list(files)})};\n"
    body = header + (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)
