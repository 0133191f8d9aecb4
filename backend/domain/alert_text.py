"""An alert in words a nurse reads in two seconds: title, one line per piece of evidence, source.

The stored alert keeps the raw evidence (readings, answers, dates, ids) for the audit trail and
exports; staff read it through :func:`describe`, which writes each evidence entry as one sentence
("Sitting of 2 readings at ..., mean 164/100 mmHg, grade 3 (CTCAE v5.0)"; "Temperature 38.3 °C
at ...") in the reader's language, with instants in the *participant's* local time (the time
the patient lived through), and the rule's published sources only: internal documents
(CLINICAL.md, PRODUCT.md) are how we chose a rule, not a reference a clinician can look up.
Pure: no flask or database; the questionnaire and time zone are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.domain.findings import RULES
from backend.domain.i18n import LANGUAGES, catalogue, date_text, text
from backend.domain.questionnaire import Questionnaire

# Parts of a stored source that name our own documents, not a published reference.
_INTERNAL = ("CLINICAL.md", "product decision")
# Evidence entries shown per alert; an episode with more says how many earlier ones it has.
SHOWN_ENTRIES = 5


@dataclass(frozen=True)
class AlertText:
    """What the dashboard shows by default: no ids, no keys, no internal references."""

    title: str
    evidence: list[str]
    source: str


def published_source(source: str, table: str | None = None) -> str:
    """The published references of a rule's source text (internal documents dropped).

    ``source`` is ``;``-separated; parentheses may hold ``;`` too. A BP rule's grading
    ``table`` ("CTCAE v5.0") is named first: the grade shown comes from it.
    """
    parts: list[str] = []
    depth, current = 0, ""
    for char in source:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    published = list(dict.fromkeys(part for part in parts if part and not part.startswith(_INTERNAL)))
    # "IC-OS via AHA 2023" is said already by "IC-OS via AHA 2023 (hold therapy at ...)"
    kept = [part for part in published if not any(o != part and o.startswith(part) for o in published)]
    if table and table not in kept:
        kept.insert(0, table)
    return "; ".join(kept)


def _when(language: str, instant: str | None, timezone: str) -> str:
    """An ISO instant as the participant's local date and time ("Monday 30 November, 23:34")."""
    if not instant:
        return "—"
    local = datetime.fromisoformat(instant).astimezone(ZoneInfo(timezone))
    return text(language, "alerts.when", date=date_text(language, local.date()), time=local.strftime("%H:%M"))


def _number(value: Any) -> str:
    """164.0 -> "164", 38.25 -> "38.25" (means are stored to one decimal)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(language: str, key: str | None) -> str:
    """The grading table's name ("CTCAE v5.0"), or the raw key if unknown."""
    name = f"alerts.table.{key}"
    return text(language, name) if name in catalogue(language) else str(key or "")


def _bp_line(language: str, entry: dict[str, Any], timezone: str) -> str:
    """One sitting: its size, time, mean and grade (and crisis symptoms when reported)."""
    readings = entry.get("readings") or []
    values = {
        "when": _when(language, readings[-1]["measured_at"] if readings else entry.get("seen_at"), timezone),
        "systolic": _number(entry.get("mean_systolic")),
        "diastolic": _number(entry.get("mean_diastolic")),
        "grade": entry.get("grade", "—"),
        "table": _table(language, entry.get("table")),
    }
    if len(readings) >= 2:
        line = text(language, "alerts.bp.sitting", count=len(readings), **values)
    else:
        line = text(language, "alerts.bp.single", **values)
    if entry.get("crisis_symptoms"):
        comma = ", " if language == "en" else "，"
        line += comma + text(language, "alerts.bp.crisis_symptoms")
    return line


def _answer(language: str, code: str, score: Any, previous: Any, questionnaire: Questionnaire | None) -> str:
    """One answer: the symptom's name, what was asked about it and the chosen option's words."""
    item = questionnaire.items.get(code) if questionnaire else None
    if item is None or questionnaire is None:
        return f"{code}: {score}"
    group = questionnaire.group_of(code)
    symptom = text(language, f"symptoms.title.{group.code}")
    label = text(language, f"symptoms.scale.{item.attribute}.{score}")
    attribute = text(language, f"alerts.attribute.{item.attribute}")
    if previous is not None:
        was = text(language, f"symptoms.scale.{item.attribute}.{previous}")
        return text(
            language,
            "alerts.sym.answer_worse",
            symptom=symptom,
            attribute=attribute,
            label=label,
            previous=was,
        )
    if item.attribute == "presence":
        return text(language, "alerts.sym.answer_short", symptom=symptom, label=label)
    return text(language, "alerts.sym.answer", symptom=symptom, attribute=attribute, label=label)


def _symptom_line(
    language: str, entry: dict[str, Any], timezone: str, questionnaire: Questionnaire | None
) -> str:
    """A report: the temperature (fever rule) or the answers that fired, with earlier scores."""
    when = _when(language, entry.get("reported_at") or entry.get("seen_at"), timezone)
    previous = entry.get("previous") or {}
    separator = "; " if language == "en" else "；"
    answers = separator.join(
        _answer(language, code, score, previous.get(code), questionnaire)
        for code, score in (entry.get("answers") or {}).items()
    )
    if entry.get("temperature_c") is not None:
        line = text(language, "alerts.sym.temperature", value=_number(entry["temperature_c"]), when=when)
        return f"{line}{', ' if language == 'en' else '，'}{answers}" if answers else line
    return text(language, "alerts.sym.answers", when=when, answers=answers)


def _dates(language: str, values: Sequence[str]) -> str:
    """Local dates ("Monday 23 November, Tuesday 24 November")."""
    return ("; " if language == "en" else "；").join(
        date_text(language, date.fromisoformat(v)) for v in values
    )


def _line(
    language: str, rule_id: str, entry: dict[str, Any], timezone: str, questionnaire: Questionnaire | None
) -> str:
    """One evidence entry of ``rule_id`` in words."""
    if rule_id == "BP-PERSISTENT-G2":
        return text(
            language,
            "alerts.bp.persistent",
            count=len(entry.get("sittings", [])),
            days=len(entry.get("local_days", [])),
            hours=_number(entry.get("span_hours")),
            window=entry.get("window_days"),
            table=_table(language, entry.get("table")),
        )
    if rule_id.startswith("BP-"):
        return _bp_line(language, entry, timezone)
    if rule_id.startswith("SYM-"):
        return _symptom_line(language, entry, timezone, questionnaire)
    if rule_id.startswith("DOSE-"):
        line = text(language, "alerts.dose.missed", dates=_dates(language, entry.get("dates", [])))
        count = entry.get("consecutive_missed") or 0
        return line if count < 2 else f"{line} ({text(language, 'alerts.dose.consecutive', count=count)})"
    if rule_id == "PILL-COUNT-DISCREPANCY":
        return text(
            language,
            "alerts.pills.discrepancy",
            dispensed=entry.get("tablets_dispensed"),
            date=_dates(language, [entry["dispensed_on"]]) if entry.get("dispensed_on") else "—",
            returned=entry.get("tablets_returned"),
            counted=entry.get("counted_taken"),
            expected=entry.get("expected_taken"),
            difference=entry.get("difference"),
        )
    if rule_id == "OPS-SCHEDULER":
        return text(
            language, "alerts.ops.scheduler", job=entry.get("job", "—"), error=entry.get("error", "—")
        )
    if rule_id == "CYCLE-UNCONFIRMED":
        return text(
            language,
            "alerts.cycle.unconfirmed",
            cycle=entry.get("cycle"),
            planned=_dates(language, [entry["planned_start"]]) if entry.get("planned_start") else "—",
            last=_dates(language, [entry["last_confirmed_start"]])
            if entry.get("last_confirmed_start")
            else "—",
        )
    return ", ".join(f"{key}: {value}" for key, value in entry.items() if not key.endswith("_id"))


def describe(
    rule_id: str,
    source: str,
    evidence: Sequence[dict[str, Any]],
    *,
    language: str,
    timezone: str,
    questionnaire: Questionnaire | None = None,
) -> AlertText:
    """The alert's title, evidence lines (newest first, at most :data:`SHOWN_ENTRIES`) and source."""
    lang = language if language in LANGUAGES else "en"
    key = f"alerts.rule.{rule_id}"
    title = text(lang, key) if key in catalogue(lang) else text(lang, "alerts.rule.other", rule=rule_id)
    entries = list(evidence)[::-1]
    lines = [_line(lang, rule_id, entry, timezone, questionnaire) for entry in entries[:SHOWN_ENTRIES]]
    table = next((entry.get("table") for entry in entries if entry.get("table")), None)
    published = published_source(source, _table(lang, table) if table else None)
    if not published and rule_id in RULES:
        published = text(lang, "alerts.source.none")
    return AlertText(title=title, evidence=lines, source=published)
