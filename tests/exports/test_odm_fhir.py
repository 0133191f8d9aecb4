"""ODM 1.3.2 (validated with odmlib's schema validator, loader and OID checker) and the FHIR R4
Bundle (every resource parsed with fhir.resources' R4B models, which are R4's for these
resources) over HTTP."""

import json

import odmlib.loader as LD
import odmlib.odm_loader as OL
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from odmlib.odm_parser import ODMSchemaValidator
from odmlib.oid_generator import create_oid_checker

from backend.domain.questionnaire import load_questionnaire
from tests.exports.study import EX1_ENTRIES

EX1 = "SKB264-ANLO-SA-T-ex1"


def odm_document(client, world, tmp_path, who="monitor", query=""):
    r = client.get(f"/api/v1/exports/odm.xml{query}", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    assert r.is_streamed and r.mimetype == "application/xml"
    path = tmp_path / "odm.xml"
    path.write_bytes(r.get_data())
    ODMSchemaValidator(standard="odm", version="1.3.2").validate_file(str(path))  # raises when invalid
    loader = LD.ODMLoader(
        OL.XMLODMLoader(model_package="odm_1_3_2", ns_uri="http://www.cdisc.org/ns/odm/v1.3")
    )
    loader.open_odm_document(str(path))
    return loader.root()


def test_odm_validates_and_carries_metadata_and_every_subject(client, study, tmp_path):
    odm = odm_document(client, study.world, tmp_path)
    odm.verify_oids(create_oid_checker("odm_1_3_2"))  # every OID reference resolves
    mdv = odm.Study[0].MetaDataVersion[0]
    assert {f.OID for f in mdv.FormDef} == {"F.DOSE", "F.BP", "F.SYMPTOMS", "F.ALERT"}
    items = {i.OID: i for i in mdv.ItemDef}
    for key in ("anlo-daily.v1", "anlo-daily.v2"):  # every item of every version, with its scale
        for code, item in load_questionnaire(key).items.items():
            odm_item = items[f"IT.SYM.{code.upper()}"]
            assert odm_item.CodeListRef.CodeListOID == f"CL.SCALE.{item.attribute.upper()}"
            assert {t.lang for t in odm_item.Question.TranslatedText} == {"en", "zh-CN"}
    codelists = {c.OID: c for c in mdv.CodeList}
    assert [i.CodedValue for i in codelists["CL.SCALE.FREQUENCY"].CodeListItem] == ["0", "1", "2", "3", "4"]
    subjects = {s.SubjectKey: s for s in odm.ClinicalData[0].SubjectData}
    assert EX1 in subjects and "SKB264-ANLO-SB-T-ex3" in subjects
    forms = subjects[EX1].StudyEventData[0].FormData
    doses = {f.FormRepeatKey: f for f in forms if f.FormOID == "F.DOSE"}
    vomited = {i.ItemOID: i.Value for i in doses["2026-09-03"].ItemGroupData[0].ItemData}
    assert vomited["IT.DOSE.VOMITED"] == "Y" and vomited["IT.DOSE.TAKENAT"] == "2026-09-03T08:30:00+08:00"
    assert len(doses) == len(EX1_ENTRIES) and sum(f.FormOID == "F.BP" for f in forms) == 5
    assert sum(f.FormOID == "F.ALERT" for f in forms) == 2


def test_odm_for_a_coordinator_holds_only_their_site(client, study, tmp_path):
    odm = odm_document(client, study.world, tmp_path, who="coordinator_b")
    keys = {s.SubjectKey for s in odm.ClinicalData[0].SubjectData}
    assert keys and all(k.startswith("SKB264-ANLO-SB-") for k in keys)
    assert [loc.OID for loc in odm.AdminData[0].Location] == ["LOC.SB"]


def fhir_bundle(client, world, who="ex1", staff="coordinator_a", query=""):
    pid = world.participants[who]
    r = client.get(f"/api/v1/participants/{pid}/fhir{query}", headers=world.headers(staff))
    assert r.status_code == 200, r.get_json()
    assert r.is_streamed and r.mimetype == "application/fhir+json"
    return json.loads(r.get_data(as_text=True))


def test_fhir_bundle_parses_and_every_resource_is_valid_r4(client, study):
    raw = fhir_bundle(client, study.world)
    bundle = Bundle.model_validate(raw)
    assert bundle.type == "collection"
    resources = [entry["resource"] for entry in raw["entry"]]
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    urls = {entry["fullUrl"] for entry in raw["entry"]}
    for resource in resources:  # every reference points inside the bundle
        for key in ("subject", "patient"):
            if key in resource:
                assert resource[key]["reference"] in urls
    kinds = [r["resourceType"] for r in resources]
    assert kinds.count("Patient") == 1 and kinds.count("MedicationAdministration") == len(EX1_ENTRIES)
    assert kinds.count("Questionnaire") == 1 and kinds.count("QuestionnaireResponse") == 3
    assert kinds.count("DetectedIssue") == 2


def test_fhir_codes_not_taken_bp_pulse_temperature_and_alerts(client, study):
    resources = [e["resource"] for e in fhir_bundle(client, study.world)["entry"]]
    by_day = {
        r["effectiveDateTime"][:10]: r for r in resources if r["resourceType"] == "MedicationAdministration"
    }
    missed = by_day["2026-09-05"]
    assert missed["status"] == "not-done" and missed["statusReason"] == [{"text": "forgot"}]
    assert by_day["2026-10-03"]["dosage"]["dose"] == {
        "value": 6,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    codes = [o["code"]["coding"][0]["code"] for o in observations]
    assert codes.count("85354-9") == 5 and codes.count("8867-4") == 3 and codes.count("8310-5") == 2
    panel = next(o for o in observations if o["code"]["coding"][0]["code"] == "85354-9")
    assert [c["code"]["coding"][0]["code"] for c in panel["component"]] == ["8480-6", "8462-4"]
    assert panel["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    issues = {r["code"]["coding"][0]["code"]: r for r in resources if r["resourceType"] == "DetectedIssue"}
    fever = issues["SYM-FEVER"]
    assert (fever["severity"], fever["status"]) == ("high", "final")
    assert [m["author"]["display"] for m in fever["mitigation"]] == ["coordinator_a", "investigator_a"]
    response = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse")
    asked = [i["linkId"] for group in response["item"] for i in group["item"]]
    assert "cough_interference" not in asked and "cough_severity" in asked  # skipped by the branching


def test_fhir_of_another_sites_participant_is_404(client, study):
    pid = study.world.participants["ex3"]
    for who in ("coordinator_a", "investigator_a"):
        r = client.get(f"/api/v1/participants/{pid}/fhir", headers=study.world.headers(who))
        assert r.status_code == 404
    assert fhir_bundle(client, study.world, who="ex3", staff="monitor")["type"] == "collection"
    r = client.get(
        f"/api/v1/participants/{pid}/fhir?site_id={study.world.sites['a']}",
        headers=study.world.headers("monitor"),
    )
    assert r.status_code == 404
