"""The patient app's modules go out as one bundle (bench/pwa_load.py: a first load over a weak link
is round trips, six files at a time), built at serve time from the ES modules themselves."""

from __future__ import annotations

import gzip
import re

from backend.web import shell_files
from backend.web.bundle import BUNDLE_ENTRY, BUNDLE_URL, STATIC_DIR, bundle, module_order

SUPPORTED_IMPORT = re.compile(r"^import \{[^}]*\} from '\.{1,2}/[^']+';$")
SUPPORTED_EXPORT = re.compile(r"^export (?:(?:async )?function\*? \w+\(|class \w+ |const \w+ = )")


def test_every_module_is_in_the_bundle_after_what_it_imports() -> None:
    order = module_order(BUNDLE_ENTRY)
    assert order[-1] == BUNDLE_ENTRY
    assert {"patient/screens/today.js", "common/i18n.js", "patient/outbox.js"} <= set(order)
    position = {module: index for index, module in enumerate(order)}
    # dates.js is imported by http.js, which everything that sends imports
    assert position["common/dates.js"] < position["common/http.js"] < position["patient/api.js"]
    text = bundle()
    for module in order:
        assert f"// --- {module}\n" in text
    assert not re.search(r"^import ", text, re.M)  # no import left for the loader
    # the one export: each module's exports under its path (the page's own instances, for tests)
    [exports] = re.findall(r"^export .*$", text, re.M)
    assert f'as "{BUNDLE_ENTRY}"' in exports and 'as "patient/store.js"' in exports


def test_the_modules_use_only_the_forms_the_bundler_rewrites() -> None:
    for module in module_order(BUNDLE_ENTRY):
        for line in (STATIC_DIR / module).read_text(encoding="utf-8").splitlines():
            if line.startswith("import"):
                assert SUPPORTED_IMPORT.match(line), (module, line)
            if line.startswith("export"):
                assert SUPPORTED_EXPORT.match(line), (module, line)
            assert "import(" not in line, (module, line)


def test_the_app_page_loads_the_bundle_which_is_gzipped_and_revalidates(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert f'<script type="module" src="{BUNDLE_URL}"></script>' in page
    assert "/app/patient/main.js" not in page
    r = client.get(BUNDLE_URL, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.mimetype == "text/javascript"
    assert r.headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(r.data).decode() == bundle()
    again = client.get(BUNDLE_URL, headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_the_service_worker_keeps_the_bundle_not_the_modules_one_by_one(client) -> None:
    files = shell_files()
    assert BUNDLE_URL in files and "/" in files
    assert not [url for url in files if url.endswith(".js") and url != BUNDLE_URL]
    worker = client.get("/sw.js").get_data(as_text=True)
    assert f'"{BUNDLE_URL}"' in worker.splitlines()[0]
