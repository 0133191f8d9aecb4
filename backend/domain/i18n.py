"""Patient-facing text in every supported language (Simplified Chinese and English).

Catalogues are JSON files under ``backend/i18n/<language>/<namespace>.json``, flat maps from a
stable key to a text with optional ``{placeholders}``. Both languages must hold the same keys
(a test enforces it), so no patient ever sees a key or a text in the wrong language.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "i18n"


@cache
def catalogue(language: str, directory: Path = CATALOGUE_DIR) -> dict[str, str]:
    """All texts of one language as ``{"namespace.key": text}``."""
    if language not in LANGUAGES:
        raise KeyError(f"unsupported language {language!r}")
    texts: dict[str, str] = {}
    for path in sorted((directory / language).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            texts[f"{path.stem}.{key}"] = value
    return texts


def text(language: str, key: str, **values: object) -> str:
    """The text for ``key`` ("namespace.key") in ``language``, with placeholders filled in."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalogue(lang)[key]
    return template.format(**values) if values else template


def date_text(language: str, d: date) -> str:
    """A local date as a patient reads it: "Monday 9 November" / "11月9日星期一"."""
    return text(
        language,
        "dates.long",
        weekday=text(language, f"dates.weekday.{d.weekday()}"),
        day=d.day,
        month=text(language, f"dates.month.{d.month}"),
    )
