"""gzip for the web front ends' text files (ES modules, stylesheets, catalogues, HTML, the worker).

A patient opens the app on whatever link the phone has; at 400 kbit/s every kilobyte is 20 ms.
The files are small and change only with a deploy, so each is compressed once per content
(keyed by its ETag) and kept in memory. The ETag becomes weak, as nginx does for the same reason
(the bytes differ from the file's, the meaning does not), so a revalidation still answers 304.
API answers are left alone: they are small and ``no-store``.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Response, request

COMPRESSIBLE = {
    "text/javascript",
    "application/javascript",
    "text/css",
    "application/json",
    "text/html",
    "application/manifest+json",
}
MIN_BYTES = 512


@lru_cache(maxsize=256)
def _compressed(key: str, body: bytes) -> bytes:
    """The gzip of ``body`` (``key`` names the content for the cache; mtime 0: reproducible)."""
    return gzip.compress(body, compresslevel=6, mtime=0)


def compress(response: Response) -> Response:
    """gzip a 200 text response when the client accepts it (after_request of the web blueprint)."""
    response.headers.add("Vary", "Accept-Encoding")
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or "Content-Encoding" in response.headers
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    etag, weak = response.get_etag()
    response.set_data(_compressed(f"{request.path}:{etag}" if etag else request.path + str(hash(body)), body))
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(etag, weak=True)
    return response
