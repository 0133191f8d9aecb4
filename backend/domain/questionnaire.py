"""The symptom questionnaire: load and validate it, render it for the PWA, check and score answers.

A questionnaire is a TOML file under ``backend/protocols/questionnaires/<key>.toml`` (the format
is described at the top of ``anlo-daily.v1.toml``); the protocol names it in
``[symptoms] questionnaire``. Wording is not in the file but in the ``symptoms`` i18n namespace,
so every question exists in Simplified Chinese and English; loading checks that it does.

Scoring follows PRO-CTCAE: the first item of each symptom group is its gate, and when the gate is
answered 0 the rest of the group is skipped and scored 0. A report may leave whole groups
unanswered (unknown is not the same as "none"), but never a follow-up item without its gate, and
never a follow-up above 0 under a gate of 0: such a report contradicts itself and is refused
(422 naming the item) rather than silently rewritten, so the patient, not the server, says which
answer was meant; a follow-up sent as 0 under a gate of 0 (what the form sends) is consistent.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from backend.domain.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue, text

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "protocols" / "questionnaires"

# attribute -> highest score of its scale (the lowest is always 0).
ATTRIBUTE_MAX = {"frequency": 4, "severity": 4, "interference": 4, "presence": 1, "count": 3}
TEMPERATURE_BOUNDS_C = (34.0, 43.0)

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class QuestionnaireError(ValueError):
    """A questionnaire file is missing, malformed or lacks wording; the message names the key."""


@dataclass(frozen=True)
class Item:
    """One question: its code ("<symptom>_<attribute>"), attribute and the top of its scale."""

    code: str
    attribute: str

    @property
    def max_value(self) -> int:
        """The highest allowed answer (4 for PRO-CTCAE scales, 1 for yes/no, 3 for stool counts)."""
        return ATTRIBUTE_MAX[self.attribute]


@dataclass(frozen=True)
class SymptomGroup:
    """One symptom: its items in order (the first is the gate) and whether a temperature goes with it."""

    code: str
    items: tuple[Item, ...]
    temperature: bool = False

    @property
    def gate(self) -> Item:
        """The item whose 0 answer skips the rest of the group."""
        return self.items[0]


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire: its key, recall period and symptom groups in display order."""

    key: str
    recall: str
    symptoms: tuple[SymptomGroup, ...]

    @property
    def items(self) -> dict[str, Item]:
        """Every item by code, in display order."""
        return {item.code: item for group in self.symptoms for item in group.items}

    def group_of(self, code: str) -> SymptomGroup:
        """The symptom group an item code belongs to (KeyError if unknown)."""
        for group in self.symptoms:
            if any(item.code == code for item in group.items):
                return group
        raise KeyError(code)


def _required_texts(questionnaire: Questionnaire) -> list[str]:
    """Every i18n key that rendering ``questionnaire`` needs."""
    keys = [f"symptoms.recall.{questionnaire.recall}"]
    for group in questionnaire.symptoms:
        keys.append(f"symptoms.title.{group.code}")
        for item in group.items:
            keys.append(f"symptoms.question.{item.code}")
            keys.extend(f"symptoms.scale.{item.attribute}.{v}" for v in range(item.max_value + 1))
    return keys


def _parse_item(raw: Any, where: str, group_code: str) -> Item:
    """Validate one ``{code, attribute}`` item table."""
    if not isinstance(raw, Mapping):
        raise QuestionnaireError(f"{where}: expected a table with code and attribute")
    unknown = sorted(set(raw) - {"code", "attribute"})
    if unknown:
        raise QuestionnaireError(f"{where}.{unknown[0]}: unknown key")
    code, attribute = raw.get("code"), raw.get("attribute")
    if attribute not in ATTRIBUTE_MAX:
        raise QuestionnaireError(
            f"{where}.attribute: expected one of {', '.join(ATTRIBUTE_MAX)}, got {attribute!r}"
        )
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise QuestionnaireError(f"{where}.code: expected a lower-case code, got {code!r}")
    if not (code.startswith(f"{group_code}_") and code.endswith(f"_{attribute}")):
        raise QuestionnaireError(f"{where}.code: {code!r} must look like '{group_code}_..._{attribute}'")
    return Item(code=code, attribute=attribute)


def parse_questionnaire(raw: Mapping[str, Any], key: str) -> Questionnaire:
    """Validate a parsed questionnaire document; every error names the offending key."""
    unknown = sorted(set(raw) - {"questionnaire", "symptom"})
    if unknown:
        raise QuestionnaireError(f"{key}: [{unknown[0]}]: unknown section")
    head = raw.get("questionnaire")
    if not isinstance(head, Mapping):
        raise QuestionnaireError(f"{key}: [questionnaire]: section is missing")
    extra = sorted(set(head) - {"key", "recall"})
    if extra:
        raise QuestionnaireError(f"{key}: questionnaire.{extra[0]}: unknown key")
    if head.get("key") != key:
        raise QuestionnaireError(f"{key}: questionnaire.key: expected {key!r}, got {head.get('key')!r}")
    recall = head.get("recall")
    if not isinstance(recall, str) or not _CODE_RE.match(recall):
        raise QuestionnaireError(f"{key}: questionnaire.recall: expected a recall code, got {recall!r}")
    groups_raw = raw.get("symptom")
    if not isinstance(groups_raw, list) or not groups_raw:
        raise QuestionnaireError(f"{key}: [[symptom]]: at least one symptom is required")
    groups: list[SymptomGroup] = []
    seen: set[str] = set()
    for index, group_raw in enumerate(groups_raw):
        where = f"{key}: symptom[{index}]"
        if not isinstance(group_raw, Mapping):
            raise QuestionnaireError(f"{where}: expected a table")
        extra = sorted(set(group_raw) - {"code", "items", "temperature"})
        if extra:
            raise QuestionnaireError(f"{where}.{extra[0]}: unknown key")
        code = group_raw.get("code")
        if not isinstance(code, str) or not _CODE_RE.match(code) or code in seen:
            raise QuestionnaireError(f"{where}.code: expected a new lower-case code, got {code!r}")
        seen.add(code)
        temperature = group_raw.get("temperature", False)
        if not isinstance(temperature, bool):
            raise QuestionnaireError(f"{where}.temperature: expected true or false, got {temperature!r}")
        items_raw = group_raw.get("items")
        if not isinstance(items_raw, list) or not items_raw:
            raise QuestionnaireError(f"{where}.items: at least one item is required")
        items = tuple(_parse_item(item, f"{where}.items[{i}]", code) for i, item in enumerate(items_raw))
        for item in items:
            if item.code in seen:
                raise QuestionnaireError(f"{where}.items: duplicate code {item.code!r}")
            seen.add(item.code)
        groups.append(SymptomGroup(code=code, items=items, temperature=temperature))
    questionnaire = Questionnaire(key=key, recall=recall, symptoms=tuple(groups))
    for language in LANGUAGES:
        texts = catalogue(language)
        for text_key in _required_texts(questionnaire):
            if text_key not in texts:
                raise QuestionnaireError(f"{key}: no {language} text for {text_key!r}")
    return questionnaire


@cache
def load_questionnaire(key: str, directory: Path = QUESTIONNAIRE_DIR) -> Questionnaire:
    """Read and validate ``<directory>/<key>.toml``; QuestionnaireError names the bad key."""
    if not _KEY_RE.match(key):
        raise QuestionnaireError(
            f"questionnaire key {key!r}: expected lower-case letters, digits, '.' or '-'"
        )
    path = directory / f"{key}.toml"
    if not path.is_file():
        raise QuestionnaireError(f"unknown questionnaire {key!r}: no file {path.name}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise QuestionnaireError(f"{key}: not valid TOML: {exc}") from None
    return parse_questionnaire(raw, key)


def render(questionnaire: Questionnaire, language: str) -> dict[str, Any]:
    """The questionnaire as the PWA renders it, all wording in ``language`` (zh-CN if unsupported)."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return {
        "questionnaire": questionnaire.key,
        "language": lang,
        "recall": text(lang, f"symptoms.recall.{questionnaire.recall}"),
        "symptoms": [
            {
                "code": group.code,
                "title": text(lang, f"symptoms.title.{group.code}"),
                "temperature": group.temperature,
                "items": [
                    {
                        "code": item.code,
                        "attribute": item.attribute,
                        "question": text(lang, f"symptoms.question.{item.code}"),
                        "options": [
                            {"value": v, "label": text(lang, f"symptoms.scale.{item.attribute}.{v}")}
                            for v in range(item.max_value + 1)
                        ],
                    }
                    for item in group.items
                ],
            }
            for group in questionnaire.symptoms
        ],
    }


def answer_errors(questionnaire: Questionnaire, answers: Any, temperature_c: Any) -> dict[str, str]:
    """Field -> message for every invalid answer or temperature ({} when the report is valid)."""
    errors: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        return {"answers": "must be an object mapping item codes to scores"}
    items = questionnaire.items
    for code, value in answers.items():
        item = items.get(code)
        if item is None:
            errors[f"answers.{code}"] = "unknown item"
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= item.max_value:
            errors[f"answers.{code}"] = f"must be an integer from 0 to {item.max_value}"
        else:
            gate = questionnaire.group_of(code).gate
            if code != gate.code and gate.code not in answers:
                errors[f"answers.{code}"] = f"needs an answer to {gate.code} first"
            elif code != gate.code and value > 0 and _is_zero(answers[gate.code]):
                errors[f"answers.{code}"] = (
                    f"must be 0 or left out: {gate.code} is 0, so the rest of {gate.code.rsplit('_', 1)[0]} "
                    "is skipped and scored 0 (PRO-CTCAE)"
                )
    if temperature_c is not None:
        lo, hi = TEMPERATURE_BOUNDS_C
        if isinstance(temperature_c, bool) or not isinstance(temperature_c, int | float):
            errors["temperature_c"] = f"must be from {lo} to {hi} °C"
        elif not lo <= temperature_c <= hi:
            errors["temperature_c"] = f"must be from {lo} to {hi} °C"
    if not answers and temperature_c is None:
        errors["answers"] = "answer at least one item or give a temperature"
    return errors


def _is_zero(value: Any) -> bool:
    """True for an integer answer of 0 (not for False, which is refused on its own)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def normalise(questionnaire: Questionnaire, answers: Mapping[str, int]) -> dict[str, int]:
    """Scored answers in questionnaire order: a gate of 0 scores its whole group 0.

    Groups whose gate is unanswered are left out (unknown, not "none"); follow-up items that were
    not answered under a non-zero gate are left out too. ``answers`` must be valid.
    """
    scored: dict[str, int] = {}
    for group in questionnaire.symptoms:
        gate = answers.get(group.gate.code)
        if gate is None:
            continue
        for item in group.items:
            if gate == 0:
                scored[item.code] = 0
            elif item.code in answers:
                scored[item.code] = int(answers[item.code])
    return scored
