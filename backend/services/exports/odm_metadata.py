"""The ODM 1.3.2 metadata of the diary: study, forms, item groups, items and code lists.

Built from configuration, never from a fixed list: the protocol (study name, dose unit), the
symptom questionnaires of every shipped protocol (one item per questionnaire item, code lists
per answer scale with their English and Chinese wording) and the product's enumerations
(phases, sources, alert severities and statuses). One study event (the diary) holds four
repeating forms: the daily dose, a BP reading, a symptom report and an alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from backend.domain.calendar import PHASES
from backend.domain.i18n import LANGUAGES, text
from backend.domain.protocol import Protocol, available_protocols
from backend.domain.questionnaire import (
    ATTRIBUTE_MAX,
    QUESTIONNAIRE_DIR,
    Questionnaire,
    load_questionnaire,
)
from backend.models.alerts import SEVERITIES, STATUSES

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def attr(value: object) -> str:
    """An XML attribute value, quoted and escaped (characters XML 1.0 cannot hold removed)."""
    return quoteattr(_INVALID_XML.sub("", str(value)))


def body(value: object) -> str:
    """XML character data, escaped."""
    return escape(_INVALID_XML.sub("", str(value)))


@dataclass(frozen=True)
class ItemSpec:
    """One ODM item: OID suffix, name, data type, code list and unit (both optional)."""

    oid: str
    name: str
    data_type: str
    codelist: str | None = None
    unit: str | None = None


YES_NO = "CL.NY"
DOSE_ITEMS = (
    ItemSpec("IT.DOSE.DATE", "Diary date (local)", "date"),
    ItemSpec("IT.DOSE.CYCLE", "Cycle", "integer"),
    ItemSpec("IT.DOSE.CYCLEDAY", "Cycle day", "integer"),
    ItemSpec("IT.DOSE.PHASE", "Calendar phase", "text", "CL.PHASE"),
    ItemSpec("IT.DOSE.EXPECTED", "Prescribed dose", "float", unit="MU.MG"),
    ItemSpec("IT.DOSE.TAKEN", "Dose taken", "text", YES_NO),
    ItemSpec("IT.DOSE.TAKENAT", "Time taken", "datetime"),
    ItemSpec("IT.DOSE.DOSE", "Dose taken", "float", unit="MU.MG"),
    ItemSpec("IT.DOSE.VOMITED", "Vomited after dose", "text", YES_NO),
    ItemSpec("IT.DOSE.MISSEDREASON", "Reason not taken", "text"),
    ItemSpec("IT.DOSE.SOURCE", "Entered by", "text", "CL.SOURCE"),
    ItemSpec("IT.DOSE.SOURCEDETAIL", "Source of site entry", "text"),
    ItemSpec("IT.DOSE.LATE", "Entered late", "text", YES_NO),
    ItemSpec("IT.DOSE.DEVIATION", "Protocol deviation", "text", YES_NO),
    ItemSpec("IT.DOSE.ENTEREDAT", "Entered at (server)", "datetime"),
)
BP_ITEMS = (
    ItemSpec("IT.BP.MEASUREDAT", "Measured at", "datetime"),
    ItemSpec("IT.BP.SITTING", "Sitting", "text"),
    ItemSpec("IT.BP.SYSBP", "Systolic blood pressure", "integer", unit="MU.MMHG"),
    ItemSpec("IT.BP.DIABP", "Diastolic blood pressure", "integer", unit="MU.MMHG"),
    ItemSpec("IT.BP.PULSE", "Pulse", "integer", unit="MU.BPM"),
    ItemSpec("IT.BP.GRADE", "CTCAE hypertension grade of the sitting", "integer", "CL.GRADE"),
)
ALERT_ITEMS = (
    ItemSpec("IT.ALERT.RULE", "Rule", "text"),
    ItemSpec("IT.ALERT.SEVERITY", "Severity", "text", "CL.SEVERITY"),
    ItemSpec("IT.ALERT.STATUS", "Status", "text", "CL.STATUS"),
    ItemSpec("IT.ALERT.TITLE", "Title", "text"),
    ItemSpec("IT.ALERT.OPENED", "Opened at", "datetime"),
    ItemSpec("IT.ALERT.ACKAT", "Acknowledged at", "datetime"),
    ItemSpec("IT.ALERT.ACKBY", "Acknowledged by", "text"),
    ItemSpec("IT.ALERT.RESOLVEDAT", "Resolved at", "datetime"),
    ItemSpec("IT.ALERT.RESOLVEDBY", "Resolved by", "text"),
)
UNITS = {"MU.MG": "mg", "MU.MMHG": "mmHg", "MU.BPM": "beats/min", "MU.C": "C"}
ENUMERATIONS = {
    "CL.PHASE": ("Calendar phase", PHASES),
    "CL.SOURCE": ("Entry source", ("patient", "site")),
    "CL.SEVERITY": ("Alert severity", SEVERITIES),
    "CL.STATUS": ("Alert status", STATUSES),
}


def symptom_item_oid(code: str) -> str:
    """The ODM item OID of a questionnaire item code."""
    return f"IT.SYM.{code.upper()}"


def questionnaires() -> list[Questionnaire]:
    """Every shipped questionnaire version (stored reports may be answered with an older one):
    the protocols' current ones first, then the other files in name order."""
    keys = dict.fromkeys(p.symptoms.questionnaire for p in available_protocols())
    keys.update(dict.fromkeys(path.stem for path in sorted(QUESTIONNAIRE_DIR.glob("*.toml"))))
    return [load_questionnaire(key) for key in keys]


def symptom_items() -> list[ItemSpec]:
    """The symptom form's items: temperature, then each questionnaire item once."""
    items = [ItemSpec("IT.SYM.REPORTEDAT", "Reported at", "datetime")]
    items.append(ItemSpec("IT.SYM.TEMPERATURE", "Temperature", "float", unit="MU.C"))
    seen: set[str] = set()
    for questionnaire in questionnaires():
        for code, item in questionnaire.items.items():
            if code not in seen:
                seen.add(code)
                items.append(
                    ItemSpec(symptom_item_oid(code), code, "integer", f"CL.SCALE.{item.attribute.upper()}")
                )
    return items


FORMS = (
    ("F.DOSE", "Daily dose", "IG.DOSE", DOSE_ITEMS),
    ("F.BP", "Blood pressure reading", "IG.BP", BP_ITEMS),
    ("F.SYMPTOMS", "Symptom report", "IG.SYMPTOMS", None),
    ("F.ALERT", "Alert", "IG.ALERT", ALERT_ITEMS),
)


def forms() -> list[tuple[str, str, str, tuple[ItemSpec, ...]]]:
    """(form OID, name, item group OID, items) of each form."""
    return [(oid, name, group, items or tuple(symptom_items())) for oid, name, group, items in FORMS]


def _translated(key: str | None, fallback: str) -> Iterator[str]:
    for language in LANGUAGES:
        wording = text(language, key) if key else fallback
        yield f"<TranslatedText xml:lang={attr(language)}>{body(wording)}</TranslatedText>"


def _item_def(item: ItemSpec) -> str:
    parts = [f"<ItemDef OID={attr(item.oid)} Name={attr(item.name)} DataType={attr(item.data_type)}>"]
    if item.oid.startswith("IT.SYM.") and item.codelist:
        parts += ["<Question>", *_translated(f"symptoms.question.{item.name}", item.name), "</Question>"]
    if item.unit:
        parts.append(f"<MeasurementUnitRef MeasurementUnitOID={attr(item.unit)}/>")
    if item.codelist:
        parts.append(f"<CodeListRef CodeListOID={attr(item.codelist)}/>")
    parts.append("</ItemDef>")
    return "".join(parts)


def _codelist(oid: str, name: str, data_type: str, decodes: Iterator[tuple[object, str | None, str]]) -> str:
    """One code list; ``decodes`` gives (coded value, i18n key or None, fallback wording)."""
    items = "".join(
        f"<CodeListItem CodedValue={attr(value)}><Decode>{''.join(_translated(key, fallback))}</Decode>"
        "</CodeListItem>"
        for value, key, fallback in decodes
    )
    return f"<CodeList OID={attr(oid)} Name={attr(name)} DataType={attr(data_type)}>{items}</CodeList>"


def _codelists() -> Iterator[str]:
    yield _codelist(YES_NO, "No Yes", "text", iter((("N", None, "No"), ("Y", None, "Yes"))))
    yield _codelist("CL.GRADE", "CTCAE grade", "integer", ((g, None, f"Grade {g}") for g in range(5)))
    for oid, (name, values) in ENUMERATIONS.items():
        yield _codelist(oid, name, "text", ((value, None, value) for value in values))
    for attribute, top in ATTRIBUTE_MAX.items():
        yield _codelist(
            f"CL.SCALE.{attribute.upper()}",
            f"PRO-CTCAE {attribute}",
            "integer",
            ((v, f"symptoms.scale.{attribute}.{v}", str(v)) for v in range(top + 1)),
        )


def metadata(protocol: Protocol, study_oid: str, mdv_oid: str) -> str:
    """The ``<Study>`` element: global variables, units and the metadata version."""
    out = [
        f"<Study OID={attr(study_oid)}><GlobalVariables><StudyName>{body(protocol.key)}</StudyName>",
        f"<StudyDescription>{body(protocol.title)}</StudyDescription>",
        f"<ProtocolName>{body(protocol.key)}</ProtocolName></GlobalVariables><BasicDefinitions>",
    ]
    for oid, symbol in UNITS.items():
        out.append(f"<MeasurementUnit OID={attr(oid)} Name={attr(symbol)}><Symbol>")
        out.append(
            f'<TranslatedText xml:lang="en">{body(symbol)}</TranslatedText></Symbol></MeasurementUnit>'
        )
    out.append(f"</BasicDefinitions><MetaDataVersion OID={attr(mdv_oid)} Name={attr(protocol.ref)}>")
    out.append(
        '<Protocol><StudyEventRef StudyEventOID="SE.DIARY" OrderNumber="1" Mandatory="Yes"/></Protocol>'
    )
    out.append('<StudyEventDef OID="SE.DIARY" Name="Dosing diary" Repeating="No" Type="Common">')
    all_forms = forms()
    for order, (form_oid, _name, _group, _items) in enumerate(all_forms, start=1):
        out.append(f'<FormRef FormOID={attr(form_oid)} OrderNumber="{order}" Mandatory="No"/>')
    out.append("</StudyEventDef>")
    for form_oid, name, group, _items in all_forms:
        out.append(f'<FormDef OID={attr(form_oid)} Name={attr(name)} Repeating="Yes">')
        out.append(f'<ItemGroupRef ItemGroupOID={attr(group)} Mandatory="Yes"/></FormDef>')
    for _form, name, group, items in all_forms:
        out.append(f'<ItemGroupDef OID={attr(group)} Name={attr(name)} Repeating="No">')
        for order, item in enumerate(items, start=1):
            out.append(f'<ItemRef ItemOID={attr(item.oid)} OrderNumber="{order}" Mandatory="No"/>')
        out.append("</ItemGroupDef>")
    out.extend(_item_def(item) for _f, _n, _g, items in all_forms for item in items)
    out.extend(_codelists())
    out.append("</MetaDataVersion></Study>")
    return "".join(out)
