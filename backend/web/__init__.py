"""The web front ends as static files: the patient PWA at ``/`` and the site dashboard at ``/site/``.

No API logic lives here. Every asset sits under ``static/`` and is served at ``/app/<path>``;
the two HTML entry points, the service worker and the web app manifest get their own URLs
because browsers bind scope and installability to them. The patient page loads its modules as
one bundle (``/app/patient/bundle.js``, :mod:`backend.web.bundle`). The app factory registers ``bp`` and
sets the Content-Security-Policy for every response; nothing here needs an inline script.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, request, send_from_directory

from backend.web.bundle import BUNDLE_ENTRY, BUNDLE_URL, STATIC_DIR, bundle
from backend.web.compression import compress

# What the service worker keeps for offline use: the patient app shell, never the dashboard.
SHELL_DIRS = ("patient", "common", "i18n", "icons")
SHELL_ROUTES = {"/": "patient/index.html", "/manifest.webmanifest": "manifest.webmanifest"}

bp = Blueprint("web", __name__, static_folder=None)
bp.after_request(compress)


def _no_cache(response: Response) -> Response:
    """Make the browser revalidate every time, so a deploy is picked up on the next load."""
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def patient_app() -> Response:
    """The patient PWA (a single page; screens are chosen by the URL fragment), loading its
    modules as one :func:`bundle`."""
    html = (STATIC_DIR / "patient" / "index.html").read_text(encoding="utf-8")
    html = html.replace(f'src="/app/{BUNDLE_ENTRY}"', f'src="{BUNDLE_URL}"')
    response = Response(html, mimetype="text/html")
    response.add_etag()
    response.make_conditional(request)  # in place: 304 when the browser's copy is current
    return _no_cache(response)


@bp.get(BUNDLE_URL)
def patient_bundle() -> Response:
    """The patient app's modules in one file (:func:`bundle`)."""
    response = Response(bundle(), mimetype="text/javascript")
    response.add_etag()
    response.make_conditional(request)  # in place: 304 when the browser's copy is current
    return _no_cache(response)


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
