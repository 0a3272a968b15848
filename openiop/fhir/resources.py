"""From the models to the pure mappings: the only place that reads model fields for FHIR."""

from openiop.measures.models import Administration
from openiop.measures.registry import get_instrument
from openiop.patients.models import EpisodeOfCare, Patient

from .mapping.measures import questionnaire_response_resource, total_observation_resource
from .mapping.patient import care_team_resource, episode_resource, patient_resource


def patient_to_fhir(patient: Patient) -> dict:
    return patient_resource(
        id=patient.uuid,
        updated_at=patient.updated_at,
        record_number=patient.record_number,
        given=patient.legal_given_name,
        family=patient.legal_family_name,
        preferred=patient.preferred_name,
        birth_date=patient.date_of_birth,
        language=patient.language,
        phone=patient.phone,
        email=patient.email,
        address=patient.address,
        emergency_name=patient.emergency_contact_name,
        emergency_relationship=patient.emergency_contact_relationship,
        emergency_phone=patient.emergency_contact_phone,
    )


def episode_to_fhir(episode: EpisodeOfCare) -> dict:
    return episode_resource(
        id=episode.uuid,
        updated_at=episode.updated_at,
        patient_id=episode.patient.uuid,
        status=episode.status,
        program=episode.program.name,
        track=episode.track.name if episode.track else "",
        referred_on=episode.referred_on,
        admitted_on=episode.admitted_on,
        discharged_on=episode.discharged_on,
        has_care_team=episode.care_team_members.exists(),
    )


def care_team_to_fhir(episode: EpisodeOfCare) -> dict:
    members = [
        (member.role, str(member.get_role_display()), member.user.display_name)
        for member in episode.care_team_members.select_related("user")
    ]
    return care_team_resource(
        id=episode.uuid,
        updated_at=episode.updated_at,
        patient_id=episode.patient.uuid,
        program=episode.program.name,
        episode_open=episode.is_open,
        start=episode.admitted_on or episode.referred_on,
        end=episode.discharged_on,
        members=members,
    )


def _instrument(administration: Administration):
    try:
        return get_instrument(administration.instrument_code, administration.instrument_version)
    except LookupError:  # the file of that version is gone: show it with the current one
        return get_instrument(administration.instrument_code)


def response_to_fhir(administration: Administration) -> dict:
    return questionnaire_response_resource(
        id=administration.uuid,
        updated_at=administration.updated_at,
        instrument=_instrument(administration),
        patient_id=administration.patient.uuid,
        status=administration.status,
        entered_in_error=administration.entered_in_error,
        completed_on=administration.completed_on,
        language=administration.language,
        answers=administration.answers,
        author=administration.created_by.display_name if administration.created_by else "",
        source=administration.source,
    )


def observation_to_fhir(administration: Administration) -> dict:
    """The total-score Observation; only for administrations with a total (see `has_total`)."""
    return total_observation_resource(
        id=administration.uuid,
        updated_at=administration.updated_at,
        instrument=_instrument(administration),
        patient_id=administration.patient.uuid,
        total=administration.total,
        band=administration.band,
        status=administration.status,
        entered_in_error=administration.entered_in_error,
        completed_on=administration.completed_on,
        issued=administration.created_at,
    )
