"""Reading a posted QuestionnaireResponse into what the measures service records (pure).

First the resource must be valid FHIR R4 (fhir.resources' R4B model; 400 otherwise), then it must make
sense here (422): completed, for a Questionnaire we publish (its current version), about a Patient, one
coded answer per item. Error messages name the element (FHIRPath), never the value sent.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from openiop.measures.instrument_schema import Instrument, Item

from .mapping.common import ANSWER_VALUE_SYSTEM, LOINC
from .mapping.measures import questionnaire_id, questionnaire_url
from .outcomes import FhirError, Issue


@dataclass(frozen=True)
class ResponseIn:
    instrument: Instrument
    patient_uuid: uuid.UUID
    completed_on: datetime.date | None
    language: str | None
    answers: dict[str, int | None]


def _path(loc) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        else:
            parts.append(str(part))
    return ".".join(["QuestionnaireResponse", *parts])


def validate_resource(body) -> QuestionnaireResponse:
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        raise FhirError.of(
            400, "Send one QuestionnaireResponse resource (resourceType QuestionnaireResponse)."
        )
    try:
        return QuestionnaireResponse.model_validate(body)
    except ValidationError as error:
        issues = [
            # pydantic's message, never its `input` (which may be clinical text).
            Issue(
                f"{_path(e.get('loc', ()))}: {e.get('msg', 'invalid')}",
                (_path(e.get("loc", ())),),
                "structure",
            )
            for e in error.errors()
        ]
        raise FhirError(400, issues) from None


def _instrument_for(canonical: str | None, instruments: Iterable[Instrument]) -> Instrument:
    if not canonical:
        raise FhirError.of(
            422, "Name the Questionnaire answered (questionnaire).", "QuestionnaireResponse.questionnaire"
        )
    url, _, version = canonical.partition("|")
    for instrument in instruments:
        if url in (questionnaire_url(instrument.code), f"Questionnaire/{questionnaire_id(instrument.code)}"):
            if version and version != instrument.version:
                raise FhirError.of(
                    422,
                    f"Responses are recorded against {instrument.code} version {instrument.version} only.",
                    "QuestionnaireResponse.questionnaire",
                )
            return instrument
    raise FhirError.of(
        422,
        "Unknown Questionnaire: read /fhir/r4/Questionnaire for the ones we score.",
        "QuestionnaireResponse.questionnaire",
    )


def _patient_uuid(resource: QuestionnaireResponse) -> uuid.UUID:
    where = "QuestionnaireResponse.subject"
    ref = resource.subject.reference if resource.subject else None
    if not ref or not ref.startswith("Patient/"):
        raise FhirError.of(422, "The subject must be a Patient reference (Patient/<id>).", where)
    try:
        return uuid.UUID(ref.removeprefix("Patient/"))
    except ValueError:
        raise FhirError.of(422, "The subject must be a Patient reference (Patient/<id>).", where) from None


def _answer_value(item: Item, answer, where: str) -> int:
    if answer.valueInteger is not None:
        if answer.valueInteger in item.values:
            return answer.valueInteger
    elif answer.valueCoding is not None:
        coding = answer.valueCoding
        for option in item.options:
            if coding.system == LOINC and option.loinc and coding.code == option.loinc:
                return option.value
            if coding.system == ANSWER_VALUE_SYSTEM and coding.code == str(option.value):
                return option.value
    else:
        raise FhirError.of(
            422, "Answer with valueCoding (an answerOption of the item) or valueInteger.", where
        )
    raise FhirError.of(422, f"Item {item.key}: the answer is not one of the item's answerOptions.", where)


def parse_response(body, instruments: Iterable[Instrument]) -> ResponseIn:
    """The posted resource as an instrument, a patient and answers by item key; FhirError otherwise."""
    resource = validate_resource(body)
    if resource.status != "completed":
        raise FhirError.of(
            422, "Only completed responses are recorded (status completed).", "QuestionnaireResponse.status"
        )
    instrument = _instrument_for(resource.questionnaire, instruments)
    patient_uuid = _patient_uuid(resource)
    items = {item.key: item for item in instrument.items}
    answers: dict[str, int | None] = {}
    issues = []
    for index, entry in enumerate(resource.item or []):
        where = f"QuestionnaireResponse.item[{index}]"
        item = items.get(entry.linkId)
        if item is None:
            if entry.linkId == "stem" and not entry.answer:
                continue  # the display item we publish
            issues.append(Issue(f"{instrument.code} has no item {entry.linkId}.", (f"{where}.linkId",)))
            continue
        if entry.linkId in answers:
            issues.append(Issue(f"Item {entry.linkId} is answered twice.", (f"{where}.linkId",)))
            continue
        if entry.item:
            issues.append(Issue("Items of this Questionnaire have no nested items.", (f"{where}.item",)))
            continue
        if not entry.answer:
            answers[entry.linkId] = None
            continue
        if len(entry.answer) > 1:
            issues.append(Issue(f"Item {entry.linkId} takes one answer.", (f"{where}.answer",)))
            continue
        try:
            answers[entry.linkId] = _answer_value(item, entry.answer[0], f"{where}.answer[0]")
        except FhirError as error:
            issues.extend(error.issues)
    if issues:
        raise FhirError(422, issues)
    authored = resource.authored
    completed_on = None
    if isinstance(authored, datetime.datetime):
        completed_on = authored.date()
    elif isinstance(authored, datetime.date):
        completed_on = authored
    elif authored is not None:
        raise FhirError.of(
            422, "Give the full day the form was completed (authored).", "QuestionnaireResponse.authored"
        )
    return ResponseIn(instrument, patient_uuid, completed_on, resource.language, answers)
