"""From the models to the pure mappings: the only place that reads model fields for FHIR."""

import datetime

from django.utils import timezone
from django.utils.dates import WEEKDAYS

from openiop.coordination.models import Category, Consent, ExternalCareTeamMember
from openiop.intake.models import Referral
from openiop.measures.models import Administration
from openiop.measures.registry import get_instrument
from openiop.patients.models import EpisodeOfCare, Patient
from openiop.scheduling.models import GroupSeries, Session, SessionAttendee, SessionStatus
from openiop.treatment.models import Goal, TreatmentPlan

from .mapping.consent import consent_resource
from .mapping.encounter import group_encounter_resource, group_resource, patient_encounter_resource
from .mapping.intake import service_request_resource
from .mapping.measures import questionnaire_response_resource, total_observation_resource
from .mapping.patient import care_team_resource, episode_resource, patient_resource
from .mapping.plan import care_plan_resource, goal_resource
from .mapping.schedule import appointment_id, appointment_resource


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
    """The episode's staff, and the patient's providers outside the program whose membership overlaps the
    episode. The version follows the newest change of either."""
    members = [
        (member.role, str(member.get_role_display()), member.user.display_name)
        # display_name reads the profile's credentials: load it with the user, not once per member.
        for member in episode.care_team_members.select_related("user__staff_profile")
    ]
    start = episode.admitted_on or episode.referred_on
    external_rows = [
        row
        for row in ExternalCareTeamMember.objects.filter(patient_id=episode.patient_id)
        .select_related("provider")
        .order_by("created_at", "pk")
        if (row.ended_on is None or row.ended_on >= start)
        and (episode.discharged_on is None or timezone.localdate(row.created_at) <= episode.discharged_on)
    ]
    external = [
        (
            row.role,
            str(row.get_role_display()),
            str(row.provider),
            timezone.localdate(row.created_at),
            row.ended_on,
        )
        for row in external_rows
    ]
    return care_team_resource(
        id=episode.uuid,
        updated_at=max([episode.updated_at, *(row.updated_at for row in external_rows)]),
        patient_id=episode.patient.uuid,
        program=episode.program.name,
        episode_open=episode.is_open,
        start=episode.admitted_on or episode.referred_on,
        end=episode.discharged_on,
        members=members,
        external=external,
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


def care_plan_to_fhir(plan: TreatmentPlan) -> dict:
    """A signed plan version (active or superseded) with its problems, goals and interventions."""
    problems = list(
        plan.problems.prefetch_related("goals__interventions__responsible__staff_profile").order_by(
            "position", "id"
        )
    )
    goals = [goal for problem in problems for goal in problem.goals.all()]
    return care_plan_resource(
        id=plan.uuid,
        updated_at=plan.updated_at,
        patient_id=plan.episode.patient.uuid,
        episode_id=plan.episode.uuid,
        status=plan.status,
        number=plan.number,
        program=plan.episode.program.name,
        activated_at=plan.activated_at,
        superseded_at=plan.superseded_at,
        author=plan.responsible_clinician.display_name if plan.responsible_clinician else "",
        strengths=plan.strengths,
        discharge_criteria=plan.discharge_criteria,
        replaces_id=plan.based_on.uuid if plan.based_on else None,
        problems=[(problem.icd10_code, problem.description) for problem in problems],
        goal_ids=[goal.uuid for goal in goals],
        activities=[
            (
                str(intervention.get_modality_display()),
                intervention.description,
                intervention.frequency,
                intervention.responsible.display_name,
                goal.uuid,
            )
            for goal in goals
            for intervention in goal.interventions.all()
        ],
    )


def _total_loinc(instrument_code: str) -> str:
    if not instrument_code:
        return ""
    try:
        return get_instrument(instrument_code).loinc.total or ""
    except LookupError:
        return ""


def goal_to_fhir(goal: Goal) -> dict:
    """One goal of a signed plan version; load it with `problem__plan__episode__patient`."""
    plan = goal.problem.plan
    return goal_resource(
        id=goal.uuid,
        updated_at=plan.updated_at,
        patient_id=plan.episode.patient.uuid,
        plan_status=plan.status,
        text=goal.text,
        problem=(goal.problem.icd10_code, goal.problem.description),
        start=plan.activated_at.date() if plan.activated_at else None,
        objectives=[
            {
                "text": objective.text,
                "baseline": objective.baseline,
                "target": objective.target,
                "target_date": objective.target_date,
                "measure_instrument": objective.measure_instrument,
                "measure_loinc": _total_loinc(objective.measure_instrument),
            }
            for objective in goal.objectives.all()
        ],
    )


def booking_updated_at(booking: SessionAttendee) -> datetime.datetime:
    """A booking changes with its session and when attendance is recorded."""
    return max(filter(None, (booking.session.updated_at, booking.recorded_at)))


def appointment_to_fhir(booking: SessionAttendee) -> dict:
    """One patient's booking; load it with session__session_type, session__room, episode__patient and
    prefetched session__clinicians. Never the video link."""
    session = booking.session
    zone = timezone.get_current_timezone()
    return appointment_resource(
        id=appointment_id(session.uuid, booking.pk),
        updated_at=booking_updated_at(booking),
        patient_id=booking.episode.patient.uuid,
        session_type=session.session_type.name,
        group=session.session_type.is_group,
        start=datetime.datetime.combine(session.date, session.start_time, tzinfo=zone),
        end=datetime.datetime.combine(session.date, session.end_time, tzinfo=zone),
        session_cancelled=session.status == SessionStatus.CANCELLED,
        attendance=booking.status,
        cancel_reason=session.cancel_reason,
        clinicians=[clinician.display_name for clinician in session.clinicians.all()],
        room=("Telehealth" if session.room.is_telehealth else session.room.name) if session.room else "",
        created=session.created_at,
    )


def _session_facts(session) -> dict:
    """What Encounters say about a session; load it with session_type and room, clinicians prefetched."""
    zone = timezone.get_current_timezone()
    room = session.room
    return {
        "telehealth": bool(room and room.is_telehealth),
        "kind": session.session_type.kind,
        "kind_label": str(session.session_type.get_kind_display()),
        "session_type": session.session_type.name,
        "start": datetime.datetime.combine(session.date, session.start_time, tzinfo=zone),
        "end": datetime.datetime.combine(session.date, session.end_time, tzinfo=zone),
        "clinicians": [clinician.display_name for clinician in session.clinicians.all()],
        "room": ("Telehealth" if room.is_telehealth else room.name) if room else "",
    }


def encounter_to_fhir(booking: SessionAttendee) -> dict:
    """One patient's booking as their Encounter (load it as for `appointment_to_fhir`). Part of the group
    session's Encounter when the session is a group session. Never the video link."""
    session = booking.session
    return patient_encounter_resource(
        id=appointment_id(session.uuid, booking.pk),
        updated_at=booking_updated_at(booking),
        patient_id=booking.episode.patient.uuid,
        episode_id=booking.episode.uuid,
        session_cancelled=session.status == SessionStatus.CANCELLED,
        attendance=booking.status,
        minutes_attended=booking.minutes_attended,
        group_session_id=session.uuid if session.session_type.is_group else None,
        **_session_facts(session),
    )


def group_session_updated_at(session: Session) -> datetime.datetime:
    """A group Encounter changes with its session and whenever anyone's attendance is recorded."""
    recorded = [booking.recorded_at for booking in session.attendees.all() if booking.recorded_at]
    return max([session.updated_at, *recorded])


def group_encounter_to_fhir(session: Session) -> dict:
    """A group session as the group's Encounter: no patient named, attendance only counted. Load it with
    session_type, room and series, and prefetch clinicians and attendees."""
    return group_encounter_resource(
        id=session.uuid,
        updated_at=group_session_updated_at(session),
        session_cancelled=session.status == SessionStatus.CANCELLED,
        attendances=[booking.status for booking in session.attendees.all()],
        group_id=session.series.uuid if session.series_id else None,
        **_session_facts(session),
    )


def group_to_fhir(series: GroupSeries, *, today: datetime.date | None = None) -> dict:
    """A recurring group and its dated roster. Load it with program, track and session_type, and prefetch
    memberships__episode__patient."""
    today = today or timezone.localdate()
    memberships = sorted(series.memberships.all(), key=lambda m: (m.starts_on, m.pk))
    return group_resource(
        id=series.uuid,
        updated_at=series.updated_at,
        name=series.name,
        active=series.ends_on is None or series.ends_on >= today,
        session_type=series.session_type.name,
        program=series.program.name,
        track=series.track.name,
        schedule=f"{WEEKDAYS[series.weekday]}s {series.start_time:%H:%M}–{series.end_time:%H:%M}",
        members=[(m.episode.patient.uuid, m.starts_on, m.ends_on) for m in memberships],
        today=today,
    )


def referral_to_fhir(referral: Referral, *, with_reason: bool = True) -> dict:
    """A referral linked to a patient, as a ServiceRequest. The reason (clinical free text) only
    `with_reason`: for callers who may read the referral (intake.view_referral)."""
    return service_request_resource(
        id=referral.uuid,
        updated_at=referral.updated_at,
        patient_id=referral.patient.uuid,
        episode_id=referral.episode.uuid if referral.episode_id else None,
        status=referral.status,
        urgency=referral.urgency,
        program=referral.program.name,
        received_at=referral.received_at,
        source_label=str(referral.get_source_display()),
        referring_provider=referral.referring_provider,
        referring_organization=referral.referring_organization,
        reason=referral.reason,
        with_reason=with_reason,
    )


def consent_updated_at(consent: Consent, now: datetime.datetime) -> datetime.datetime:
    """A consent changes when saved, and when it expires (its status turns inactive without a save)."""
    expires = consent.expires_at()
    return max(consent.updated_at, expires) if expires and expires <= now else consent.updated_at


def consent_to_fhir(consent: Consent, *, now: datetime.datetime | None = None) -> dict:
    """A consent as it stands at `now` (revocation and expiry applied). Load it with patient, recipient."""
    now = now or timezone.now()
    return consent_resource(
        id=consent.uuid,
        updated_at=consent_updated_at(consent, now),
        patient_id=consent.patient.uuid,
        kind=consent.kind,
        state=consent.status_at(now),
        signed_at=consent.signed_at,
        signed_on=consent.signed_on,
        expires_on=consent.expires_on,
        discharge_ended_at=consent.discharge_ended_at(),
        disclosing_party=consent.disclosing_party,
        recipient=consent.recipient_text(),
        purposes=list(consent.purposes),
        categories=[
            (code, str(Category(code).label)) for code in consent.categories if code in Category.values
        ],
    )
