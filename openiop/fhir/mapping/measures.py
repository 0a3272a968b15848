"""Questionnaire (an instrument file), QuestionnaireResponse and the total-score Observation (an
administration).

An answer option is a Coding: the LOINC answer code where the instrument file has one (PHQ-9's LA6568-5
"Not at all"), otherwise our answer-value system with the option's value as code; its score travels in the
ordinalValue extension. A response's answers carry the same Codings, so what we send parses back.
"""

import datetime

from openiop.measures.instrument_schema import Instrument, Item, Option

from .common import (
    ANSWER_VALUE_SYSTEM,
    INSTRUMENT_SCORE_SYSTEM,
    LOINC,
    OBSERVATION_CATEGORY,
    ORDINAL_VALUE,
    QUESTIONNAIRE_BASE,
    drop_empty,
    instant,
    meta,
    reference,
)


def questionnaire_id(code: str) -> str:
    """PHQ-9 -> "phq-9": FHIR ids allow letters, digits, "-" and "."."""
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in code.lower())


def questionnaire_url(code: str) -> str:
    return QUESTIONNAIRE_BASE + questionnaire_id(code)


def option_coding(option: Option, language: str) -> dict:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label[language]}
    return {"system": ANSWER_VALUE_SYSTEM, "code": str(option.value), "display": option.label[language]}


def _item(item: Item, language: str) -> dict:
    return {
        "linkId": item.key,
        "code": [{"system": LOINC, "code": item.loinc}] if item.loinc else [],
        "text": item.text[language],
        "type": "choice",
        "required": item.required,
        "answerOption": [
            {
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                "valueCoding": option_coding(option, language),
            }
            for option in item.options
        ],
    }


def questionnaire_resource(instrument: Instrument, *, language: str | None = None) -> dict:
    """The instrument as a Questionnaire in one language (its first by default). The stem, when the file
    has one, is a display item before the questions."""
    language = language or instrument.default_language
    items = [_item(item, language) for item in instrument.items]
    if instrument.stem:
        items.insert(0, {"linkId": "stem", "text": instrument.stem[language], "type": "display"})
    return drop_empty(
        {
            "resourceType": "Questionnaire",
            "id": questionnaire_id(instrument.code),
            "url": questionnaire_url(instrument.code),
            "version": instrument.version,
            "name": questionnaire_id(instrument.code).replace("-", "").replace(".", "").upper(),
            "title": instrument.title[language],
            "status": "active",
            "language": language,
            "subjectType": ["Patient"],
            "code": [{"system": LOINC, "code": instrument.loinc.panel}] if instrument.loinc.panel else [],
            "copyright": instrument.licence.text,
            "description": instrument.instructions[language] if instrument.instructions else "",
            "item": items,
        }
    )


STATUS_COMPLETE = {"complete": "completed", "prorated": "completed", "incomplete": "in-progress"}


def questionnaire_response_resource(
    *,
    id,
    updated_at: datetime.datetime,
    instrument: Instrument,
    patient_id,
    status: str,
    entered_in_error: bool,
    completed_on: datetime.date,
    language: str,
    answers: dict[str, int | None],
    author: str = "",
    source: str = "",
) -> dict:
    """One administration's answers, in the language they were given. Unanswered items are left out, as
    FHIR asks. An incomplete (unscored) form is `in-progress`; one entered in error says so."""
    items = []
    for item in instrument.items:
        value = answers.get(item.key)
        if value is None:
            continue
        option = item.option(value)
        items.append(
            {
                "linkId": item.key,
                "text": item.text[language],
                "answer": [{"valueCoding": option_coding(option, language)}],
            }
        )
    return drop_empty(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(id),
            "meta": meta(updated_at),
            "language": language,
            "questionnaire": f"{questionnaire_url(instrument.code)}|{instrument.version}",
            "status": "entered-in-error" if entered_in_error else STATUS_COMPLETE.get(status, "completed"),
            "subject": reference("Patient", patient_id),
            "authored": completed_on.isoformat(),
            "author": {"display": author} if author else {},
            "source": reference("Patient", patient_id) if source == "portal" else {},
            "item": items,
        }
    )


def total_observation_resource(
    *,
    id,
    updated_at: datetime.datetime,
    instrument: Instrument,
    patient_id,
    total: int,
    band: str,
    status: str,
    entered_in_error: bool,
    completed_on: datetime.date,
    issued: datetime.datetime,
) -> dict:
    """The total score, derived from the QuestionnaireResponse of the same id. Coded with the instrument's
    LOINC total code (PHQ-9 44261-6, GAD-7 70274-6) where it has one. A prorated total says so in a note."""
    code = (
        {"system": LOINC, "code": instrument.loinc.total, "display": f"{instrument.code} total score"}
        if instrument.loinc.total
        else {"system": INSTRUMENT_SCORE_SYSTEM, "code": f"{questionnaire_id(instrument.code)}-total"}
    )
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": str(id),
            "meta": meta(updated_at),
            "status": "entered-in-error" if entered_in_error else "final",
            "category": [
                {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
            ],
            "code": {"coding": [code], "text": f"{instrument.code} total score"},
            "subject": reference("Patient", patient_id),
            "effectiveDateTime": completed_on.isoformat(),
            "issued": instant(issued),
            "valueInteger": total,
            "interpretation": [{"text": band}] if band else [],
            "note": [{"text": "Prorated: some items were unanswered."}] if status == "prorated" else [],
            "derivedFrom": [reference("QuestionnaireResponse", id)],
        }
    )
