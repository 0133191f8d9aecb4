"""Trial data out: SDTM-style datasets (CSV, Dataset-JSON v1.1), CDISC ODM 1.3.2 and FHIR R4.

Every export is a service of ``(session, actor, filters, now)`` that *yields* its output, so the
API streams it and the CLI writes it to a file without the whole study ever being in memory
(participants are read in small batches, their records with ``yield_per``). Nothing here knows
about Flask. The pieces:

- :mod:`.scope` - who may export what (coordinators their site, monitors every site), the
  validated ``site_id`` / ``from`` / ``to`` filters and the participants they select;
- :mod:`.source` - the batched, streamed reads of diary entries, readings, reports, alerts,
  signatures and data queries;
- :mod:`.ec`, :mod:`.vs`, :mod:`.qs`, :mod:`.alerts`, :mod:`.sign_off` - one module per dataset
  family, each registering its datasets in :data:`.datasets.DATASETS` (a new dataset, e.g.
  ``da``, is one more module that registers itself);
- :mod:`.formats` - CSV and Dataset-JSON writers over any dataset's rows;
- :mod:`.odm` / :mod:`.odm_metadata` - the ODM document; :mod:`.fhir`, :mod:`.fhir_resources`
  and :mod:`.fhir_questionnaires` - the per-participant FHIR Bundle;
- :mod:`.events` - the audit trail of exports (one event when an export starts, one when its
  stream ends, with the row count).
"""
