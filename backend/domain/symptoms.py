"""Symptom alert rules: turn one symptom report into findings and the advice shown to the patient.

Rules are CLINICAL.md's "Symptoms" section (Basch STAR, SYMPATHY, PRO-TECT). Thresholds that a
protocol may change come from :class:`~backend.domain.protocol.SymptomRules`; thresholds tied
to the meaning of a scale point ("severe" is 3 on a PRO-CTCAE severity scale) are constants here.

Alert fatigue is real (PRO-TECT: 34 % of surveys alerted), so one answer gives one alert: an
answer that already triggered a specific rule (urgent or review) does not also trigger the generic
"scored 3-4" or "worse by 2" rules, and an answer that is both scored 3-4 and worse by 2 raises
the SYM-SEVERE alert only, titled and evidenced as both. Every finding's evidence holds the
answers that triggered it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from backend.domain.findings import (
    SEVERE_AND_WORSE_SOURCE,
    SEVERE_AND_WORSE_TITLE,
    URGENT,
    Finding,
    make_finding,
    severity_rank,
)
from backend.domain.protocol import SymptomRules
from backend.domain.questionnaire import Questionnaire, normalise

ADVICE_CALL_NOW = "advice.symptoms_call_now"
ADVICE_CONTACT_TODAY = "advice.symptoms_contact_today"
ADVICE_KEEP_RECORDING = "advice.symptoms_keep_recording"
ADVICE_FEVER = "advice.fever_call_now"
ADVICE_FEVER_MEASURE = "advice.fever_measure"
ADVICE_BLEEDING = "advice.bleeding_call_now"
ADVICE_BREATHING = "advice.breathing_call_now"
ADVICE_CHEST_PAIN = "advice.chest_pain_call_now"
ADVICE_DIARRHEA = "advice.diarrhea_fluids"

SEVERE = 3  # "Severe" on a PRO-CTCAE severity scale
MODERATE = 2  # "Moderate" (severity), "Somewhat" (interference)
STOOLS_4_TO_6 = 2  # band of diarrhea_stools_count meaning 4-6 above usual (CTCAE grade 2)

COUGH = "cough_severity"
DYSPNEA = "shortness_of_breath_severity"
VISION = "blurred_vision_severity"
HEADACHE = "headache_severity"
MOUTH_EATING = "mouth_sores_interference"
STOOLS = "diarrhea_stools_count"
CHILLS = "fever_chills_presence"
# rule id -> (item code, lowest score that fires) for the single-item rules.
_ITEM_RULES: dict[str, tuple[str, int]] = {
    "SYM-HEMOPTYSIS": ("coughing_blood_presence", 1),
    "SYM-GI-BLEED": ("stool_blood_presence", 1),
    "SYM-DYSPNEA-SEVERE": (DYSPNEA, SEVERE),
    "SYM-CHEST-PAIN": ("chest_pain_presence", 1),
    "SYM-EYE": (VISION, MODERATE),
    # Interference with eating at "somewhat" or more: CTCAE grade 3 mucositis is "interfering
    # with oral intake"; "a little bit" would alert on ordinary soreness.
    "SYM-MUCOSITIS-EATING": (MOUTH_EATING, MODERATE),
}
_RULE_ADVICE = {
    "SYM-FEVER": ADVICE_FEVER,
    "SYM-HEMOPTYSIS": ADVICE_BLEEDING,
    "SYM-GI-BLEED": ADVICE_BLEEDING,
    "SYM-DYSPNEA-SEVERE": ADVICE_BREATHING,
    "SYM-CHEST-PAIN": ADVICE_CHEST_PAIN,
    "SYM-DIARRHEA-G2-2D": ADVICE_DIARRHEA,
}


@dataclass
class ReportAssessment:
    """What a report concluded: findings (most pressing first), advice keys, and crisis symptoms.

    ``advice_keys`` starts with the overall advice (call now / contact today / keep recording),
    followed by the specific advice of each finding. ``crisis_symptoms`` feeds the BP
    hypertensive-crisis rule (:func:`backend.domain.bp.assess_sitting`).
    """

    findings: list[Finding] = field(default_factory=list)
    advice_keys: list[str] = field(default_factory=list)
    crisis_symptoms: bool = False


def crisis_symptoms(answers: Mapping[str, int]) -> bool:
    """Severe headache, chest pain or vision changes: the symptoms of the BP crisis rule.

    Any blurred vision counts (not only moderate): it only matters when BP is already >= 160/100,
    where visual disturbance may signal a hypertensive emergency or PRES (a VEGF-inhibitor risk).
    Confusion is not asked in the daily diary; the BP screen may ask it and pass it on.
    """
    return (
        answers.get(HEADACHE, 0) >= SEVERE
        or answers.get("chest_pain_presence", 0) >= 1
        or answers.get(VISION, 0) >= 1
    )


def _new_respiratory(answers: Mapping[str, int], previous: Mapping[str, int] | None) -> dict[str, Any] | None:
    """Evidence for a cough or shortness of breath present now and absent (or 0) last time.

    Without any previous report there is no baseline to call a symptom "new" (cough is common in
    lung cancer before treatment); severe symptoms still alert through the other rules.
    """
    if previous is None:
        return None
    new = {
        code: answers[code]
        for code in (COUGH, DYSPNEA)
        if answers.get(code, 0) > 0 and not previous.get(code)
    }
    if not new:
        return None
    return {"answers": new, "previous": {code: previous.get(code, 0) for code in new}}


def _diarrhea_two_days(
    answers: Mapping[str, int], recent: Sequence[Mapping[str, int]]
) -> dict[str, Any] | None:
    """Evidence for >= 4 stools above usual in this report and in a report of the previous day.

    ``recent`` holds the patient's reports of the previous local day (newest first): the stool
    count asks about the last 24 hours, so one earlier report with >= 4 makes it 2 days.
    """
    if answers.get(STOOLS, 0) < STOOLS_4_TO_6:
        return None
    earlier = [r[STOOLS] for r in recent if r.get(STOOLS, 0) >= STOOLS_4_TO_6]
    if not earlier:
        return None
    return {"answers": {STOOLS: answers[STOOLS]}, "previous": {STOOLS: earlier[0]}}


def evaluate_report(
    questionnaire: Questionnaire,
    rules: SymptomRules,
    answers: dict[str, int],
    temperature_c: float | None,
    previous: dict[str, int] | None,
    recent: Sequence[dict[str, int]] = (),
) -> ReportAssessment:
    """Apply every CLINICAL.md symptom rule to one (valid) report.

    ``answers`` are scored with :func:`normalise` first (gate 0 -> group 0); ``previous`` is the
    patient's previous report (for worsening and "new" cough/breathlessness) and ``recent`` their
    reports of the previous day (for 2 days of diarrhoea), both as item code -> score.
    """
    scored = normalise(questionnaire, answers)
    prior = normalise(questionnaire, previous) if previous is not None else None
    earlier = [normalise(questionnaire, r) for r in recent]
    specific: list[tuple[str, dict[str, Any]]] = []

    if temperature_c is not None and temperature_c >= rules.fever_urgent_c:
        evidence: dict[str, Any] = {"temperature_c": temperature_c, "threshold_c": rules.fever_urgent_c}
        evidence["answers"] = {CHILLS: scored[CHILLS]} if CHILLS in scored else {}
        specific.append(("SYM-FEVER", evidence))
    for rule_id, (code, lowest) in _ITEM_RULES.items():
        if scored.get(code, 0) >= lowest:
            specific.append((rule_id, {"answers": {code: scored[code]}}))
    new_resp = _new_respiratory(scored, prior)
    if new_resp is not None:
        specific.append(("SYM-NEW-RESPIRATORY", new_resp))
    diarrhea = _diarrhea_two_days(scored, earlier)
    if diarrhea is not None:
        specific.append(("SYM-DIARRHEA-G2-2D", diarrhea))

    explained = {code for _, evidence in specific for code in evidence.get("answers", {})}
    return _assessment(specific + _generic(rules, scored, prior, explained), scored, temperature_c)


def _generic(
    rules: SymptomRules, scored: Mapping[str, int], prior: Mapping[str, int] | None, explained: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    """SYM-SEVERE (scored 3-4) and SYM-WORSENING (worse by >= 2), one alert per answer.

    Answers a specific rule already explains are left out. An answer that is both severe and
    worse goes into the SYM-SEVERE finding only, whose evidence then carries ``previous`` and
    ``worse_by`` for it and whose title says both (CLINICAL.md: one answer gives one alert).
    """
    severe = {c: v for c, v in scored.items() if v >= rules.review_score and c not in explained}
    worse: dict[str, int] = {}
    if prior is not None:
        worse = {
            c: v
            for c, v in scored.items()
            if c in prior and v - prior[c] >= rules.worsening_points and c not in explained
        }
    generic: list[tuple[str, dict[str, Any]]] = []
    both = [c for c in severe if c in worse]
    if severe:
        evidence: dict[str, Any] = {"answers": severe}
        if both and prior is not None:
            evidence["previous"] = {c: prior[c] for c in both}
            evidence["worse_by"] = {c: scored[c] - prior[c] for c in both}
        generic.append(("SYM-SEVERE", evidence))
    worse_only = {c: v for c, v in worse.items() if c not in severe}
    if worse_only and prior is not None:
        previous = {c: prior[c] for c in worse_only}
        generic.append(("SYM-WORSENING", {"answers": worse_only, "previous": previous}))
    return generic


def _titled(finding: Finding) -> Finding:
    """A SYM-SEVERE finding that is also a worsening says so in its title and source."""
    if finding.rule_id == "SYM-SEVERE" and "worse_by" in finding.evidence:
        return replace(finding, title=SEVERE_AND_WORSE_TITLE, source=SEVERE_AND_WORSE_SOURCE)
    return finding


def _assessment(
    fired: list[tuple[str, dict[str, Any]]], scored: Mapping[str, int], temperature_c: float | None
) -> ReportAssessment:
    """Build findings with their advice and the report's ordered, de-duplicated advice keys."""
    drafts = [make_finding(rule_id, evidence, None) for rule_id, evidence in fired]
    if any(f.severity == URGENT for f in drafts):
        overall = ADVICE_CALL_NOW
    elif drafts:
        overall = ADVICE_CONTACT_TODAY
    else:
        overall = ADVICE_KEEP_RECORDING
    findings = sorted(
        (_titled(make_finding(f.rule_id, f.evidence, _RULE_ADVICE.get(f.rule_id, overall))) for f in drafts),
        key=lambda f: severity_rank(f.severity),
    )
    advice_keys = [overall]
    for finding in findings:
        if finding.advice_key and finding.advice_key not in advice_keys:
            advice_keys.append(finding.advice_key)
    if temperature_c is None and scored.get(CHILLS, 0) >= 1:
        advice_keys.append(ADVICE_FEVER_MEASURE)
    return ReportAssessment(
        findings=findings, advice_keys=advice_keys, crisis_symptoms=crisis_symptoms(scored)
    )
