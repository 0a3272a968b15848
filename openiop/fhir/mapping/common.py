"""Identifier systems, code systems and the bits every resource shares."""

import datetime

LOINC = "http://loinc.org"
# Our own namespaces. Ids of resources are the objects' UUIDs; these systems name business identifiers.
RECORD_NUMBER_SYSTEM = "https://openiop.org/fhir/sid/record-number"
QUESTIONNAIRE_BASE = "https://openiop.org/fhir/Questionnaire/"
ANSWER_VALUE_SYSTEM = "https://openiop.org/fhir/CodeSystem/answer-value"
INSTRUMENT_SCORE_SYSTEM = "https://openiop.org/fhir/CodeSystem/instrument-score"
CARE_TEAM_ROLE_SYSTEM = "https://openiop.org/fhir/CodeSystem/care-team-role"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def version_id(updated_at: datetime.datetime) -> str:
    """A version that changes whenever the record is saved: microseconds since the epoch of `updated_at`.

    Integer arithmetic, not float seconds, so the version converts back to exactly `updated_at`
    (`version_moment`), which conditional updates (If-Match) compare with."""
    return str((updated_at - EPOCH) // MICROSECOND)


def version_moment(version: str) -> datetime.datetime | None:
    """The `updated_at` a version id stands for, or None if `version` is not one of ours."""
    if not version.isdigit() or len(version) > 20:
        return None
    return EPOCH + int(version) * MICROSECOND


def meta(updated_at: datetime.datetime) -> dict:
    return {"versionId": version_id(updated_at), "lastUpdated": instant(updated_at)}


def etag(updated_at: datetime.datetime) -> str:
    return f'W/"{version_id(updated_at)}"'


def instant(moment: datetime.datetime) -> str:
    """FHIR instant: timezone required, seconds precision is enough for what we show."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def reference(resource_type: str, resource_id, display: str = "") -> dict:
    return {"reference": f"{resource_type}/{resource_id}", **({"display": display} if display else {})}


def drop_empty(resource: dict) -> dict:
    """FHIR forbids empty strings, lists and objects: leave such elements out."""
    clean = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            value = drop_empty(value)
        elif isinstance(value, list):
            value = [drop_empty(v) if isinstance(v, dict) else v for v in value]
            value = [v for v in value if v not in ("", None, {}, [])]
        if value in ("", None, {}, []):
            continue
        clean[key] = value
    return clean
