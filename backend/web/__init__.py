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


# ``import ... from './x.js'`` (static imports, possibly over several lines) in the ES modules.
_IMPORT = re.compile(r"""^import\s[^'"]*?\sfrom\s+['"](\.{1,2}/[^'"]+)['"]""", re.M)
_ENTRY = re.compile(r'(\s*)<script type="module" src="/app/([^"]+)"></script>')


def module_graph(entry: str) -> list[str]:
    """Every ES module ``entry`` (a path under ``static/``) imports, directly or not, ``entry``
    first, in the order met: what the browser would otherwise discover one import level (one
    round trip on a slow link) at a time."""
    found, todo = [entry], [entry]
    while todo:
        current = todo.pop(0)
        source = (STATIC_DIR / current).read_text(encoding="utf-8")
        for target in _IMPORT.findall(source):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
            if path not in found:
                found.append(path)
                todo.append(path)
    return found


def with_module_preloads(html: str) -> str:
    """The page with a ``<link rel=modulepreload>`` for each module its entry script imports, so
    the whole graph is fetched at once instead of level by level."""
    match = _ENTRY.search(html)
    if match is None:
        return html
    indent, entry = match.groups()
    links = "".join(f'{indent}<link rel="modulepreload" href="/app/{path}">' for path in module_graph(entry)[1:])
    return html[: match.end()] + links + html[match.end() :]


@bp.get("/")
def patient_app() -> Response:
    """The patient PWA (a single page; screens are chosen by the URL fragment), its module graph
    preloaded (:func:`with_module_preloads`)."""
    html = with_module_preloads((STATIC_DIR / "patient" / "index.html").read_text(encoding="utf-8"))
    response = Response(html, mimetype="text/html")
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
    """What the service worker caches: URL -> file under ``static/`` (entry routes, shell dirs)."""
    files = dict(SHELL_ROUTES)
    for folder in SHELL_DIRS:
        for path in sorted((STATIC_DIR / folder).rglob("*")):
            if path.is_file():
                relative = path.relative_to(STATIC_DIR).as_posix()
                files[f"/app/{relative}"] = relative
    return files


def shell_version(files: dict[str, str]) -> str:
    """A short hash of the shell's content: any change to any file gives a new cache name."""
    digest = hashlib.sha256()
    for url, relative in files.items():
        digest.update(url.encode())
        digest.update((STATIC_DIR / relative).read_bytes())
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
