"""Findings: what a clinical rule concluded, and the catalogue of every rule that can fire.

A :class:`Finding` is the pure-domain result of one rule firing on one reading, report or
schedule. Services turn findings into alerts (one open alert per participant, rule and
episode), so every rule has a stable id, a severity, a title for site staff and the published
source it comes from (CLINICAL.md). Nothing here knows about the database or the web.

Severities (CLINICAL.md and PRODUCT.md):

- ``urgent``: call the site now; same-hour review; escalated if not acknowledged;
- ``review``: same working day;
- ``info``: shown on the dashboard, no action expected by a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

URGENT = "urgent"
REVIEW = "review"
INFO = "info"
SEVERITIES = (URGENT, REVIEW, INFO)

PRODUCT_DECISION = "product decision (PRODUCT.md)"

_BP_SOURCES = "NCI panel / Maitland JNCI 2010; UK acute-oncology guidance; IC-OS via AHA 2023"
_PRO_SOURCES = "Basch et al. STAR (JCO 2016, JAMA 2017); SYMPATHY; PRO-TECT"


@dataclass(frozen=True)
class Finding:
    """One rule that fired: its id, severity, staff title, source, evidence and patient advice.

    ``evidence`` holds plain JSON-able values (the readings or answers that triggered the rule)
    so it can be stored on the alert as is; ``advice_key`` is the i18n key ("advice.*") of the
    advice shown to the patient for it, or None when the patient was shown none.
    """

    rule_id: str
    severity: str
    title: str
    source: str
    evidence: dict[str, Any] = field(default_factory=dict)
    advice_key: str | None = None


# rule id -> (severity, title for staff, source). Titles are English: staff-facing only.
RULES: dict[str, tuple[str, str, str]] = {
    "BP-CRISIS": (
        URGENT,
        "Suspected hypertensive crisis (reading >= 180/110, or >= 160/100 with crisis symptoms)",
        f"CLINICAL.md blood pressure rules; IC-OS via AHA 2023 (hold therapy at >= 180/110); {_BP_SOURCES}",
    ),
    "BP-CONFIRMED-160-100": (
        REVIEW,
        "Confirmed blood pressure >= 160/100 (mean of a sitting with 2+ readings)",
        "CLINICAL.md blood pressure rules; UK acute-oncology guidance (withhold VEGF inhibitor at "
        ">= 160/100)",
    ),
    "BP-UNCONFIRMED-HIGH": (
        REVIEW,
        "High reading not confirmed (a single reading >= 160/100, no repeat within 2 hours)",
        "CLINICAL.md blood pressure rules (product decision: a high reading is never silently dropped)",
    ),
    "BP-PERSISTENT-G2": (
        REVIEW,
        "Persistent grade 2 hypertension (grade >= 2 on 3 sittings within 7 days, on >= 2 days "
        "spanning >= 24 h)",
        f"CLINICAL.md blood pressure rules; CTCAE grade 2 (recurrent or persistent >= 24 h); "
        f"{_BP_SOURCES} (target < 140/90)",
    ),
    "SYM-FEVER": (
        URGENT,
        "Fever at or above the urgent threshold, 38.0 °C by default (febrile neutropenia risk)",
        f"CLINICAL.md urgent symptom rules; CTCAE v5.0 febrile neutropenia; {_PRO_SOURCES}",
    ),
    "SYM-HEMOPTYSIS": (
        URGENT,
        "Coughing up blood (anlotinib bleeding risk)",
        f"CLINICAL.md urgent symptom rules (anlotinib bleeding risk; massive hemoptysis is an "
        f"exclusion criterion); {_PRO_SOURCES}",
    ),
    "SYM-GI-BLEED": (
        URGENT,
        "Blood in stool or black stool (anlotinib bleeding risk)",
        f"CLINICAL.md urgent symptom rules (anlotinib bleeding risk); {_PRO_SOURCES}",
    ),
    "SYM-DYSPNEA-SEVERE": (
        URGENT,
        "Shortness of breath severe or worse (ILD/pneumonitis watch with the ADC)",
        f"CLINICAL.md urgent symptom rules (ILD/pneumonitis with sacituzumab tirumotecan); {_PRO_SOURCES}",
    ),
    "SYM-CHEST-PAIN": (
        URGENT,
        "Chest pain",
        f"CLINICAL.md urgent symptom rules; {_PRO_SOURCES}",
    ),
    "SYM-SEVERE": (
        REVIEW,
        "Symptom scored severe / very severe (3-4)",
        "SYMPATHY (score >= 3); Basch et al. STAR (JCO 2016, JAMA 2017); CLINICAL.md review rules",
    ),
    "SYM-WORSENING": (
        REVIEW,
        "Symptom worse by >= 2 points than the previous report",
        "SYMPATHY (worsening >= 2 points); Basch et al. STAR (JCO 2016, JAMA 2017); CLINICAL.md review rules",
    ),
    "SYM-NEW-RESPIRATORY": (
        REVIEW,
        "New cough or shortness of breath (ILD watch)",
        "CLINICAL.md review rules (ILD/pneumonitis with sacituzumab tirumotecan)",
    ),
    "SYM-EYE": (
        REVIEW,
        "Blurred vision or eye pain moderate or worse",
        "CLINICAL.md review rules",
    ),
    "SYM-MUCOSITIS-EATING": (
        REVIEW,
        "Mouth or throat sores interfering with eating or drinking",
        "CLINICAL.md review rules; CTCAE v5.0 oral mucositis (interference with oral intake)",
    ),
    "SYM-DIARRHEA-G2-2D": (
        REVIEW,
        "Diarrhoea >= 4 stools above baseline (grade 2) on 2 days",
        "CLINICAL.md review rules; CTCAE v5.0 diarrhoea grade 2 (4-6 stools over baseline)",
    ),
    "DOSE-MISSED": (
        INFO,
        "Missed anlotinib dose (1 dosing day not reported)",
        PRODUCT_DECISION,
    ),
    "DOSE-MISSED-2": (
        REVIEW,
        "2 consecutive dosing days missed or not reported",
        PRODUCT_DECISION,
    ),
    "CYCLE-UNCONFIRMED": (
        REVIEW,
        "Planned cycle start 2 days past without a confirmed Day 1",
        PRODUCT_DECISION,
    ),
    "PILL-COUNT-DISCREPANCY": (
        REVIEW,
        "Pill count differs from the diary (tablets dispensed - returned vs doses logged as taken)",
        "Stone et al., BMJ 2002 (paper diaries overstate adherence); drug accountability at each "
        "visit; threshold from the protocol ([accountability], default > 2 tablets or > 10 %)",
    ),
    "OPS-SCHEDULER": (
        REVIEW,
        "The scheduler could not process this participant: reminders and checks may be missing; "
        "check the participant's dates",
        PRODUCT_DECISION,
    ),
}


# One answer, one alert (CLINICAL.md): an item both scored 3-4 and worse by >= 2 points raises a
# single SYM-SEVERE alert (the episode of the severe symptom) whose title and evidence say both.
SEVERE_AND_WORSE_TITLE = (
    "Symptom scored severe / very severe (3-4) and worse by >= 2 points than the previous report"
)
SEVERE_AND_WORSE_SOURCE = (
    "SYMPATHY (score >= 3; worsening >= 2 points); Basch et al. STAR (JCO 2016, JAMA 2017); "
    "CLINICAL.md review rules (one answer gives one alert)"
)


def make_finding(rule_id: str, evidence: dict[str, Any], advice_key: str | None) -> Finding:
    """Build the :class:`Finding` of ``rule_id`` with the catalogue's severity, title and source."""
    severity, title, source = RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        severity=severity,
        title=title,
        source=source,
        evidence=evidence,
        advice_key=advice_key,
    )


def severity_rank(severity: str) -> int:
    """Sort key: 0 for urgent, 1 for review, 2 for info (most pressing first)."""
    return SEVERITIES.index(severity)

