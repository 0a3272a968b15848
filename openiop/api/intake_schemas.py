"""What the intake operations take and return. Explicit fields, public UUIDs only.

Input field names are the services' keyword arguments, so a service's ValidationError names the same
field the caller sent (see problems._service_refusal).
"""

import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from openiop.intake.models import LevelOfCare, ReferralSource, ReferralStatus, Urgency
from openiop.intake.rubric_registry import DEFAULT_RUBRIC_ID
from openiop.intake.services.admissions import STEP_DOWN_FROM_LEVELS
from openiop.patients.models import Language

from .schemas import EpisodeWithCareTeamOut, ProgramOut, TrackOut

ReferralStatusValue = Literal[tuple(ReferralStatus.values)]  # type: ignore[valid-type]
ReferralSourceValue = Literal[tuple(ReferralSource.values)]  # type: ignore[valid-type]
UrgencyValue = Literal[tuple(Urgency.values)]  # type: ignore[valid-type]
LevelValue = Literal[tuple(LevelOfCare.values)]  # type: ignore[valid-type]
LanguageValue = Literal[tuple(Language.values)]  # type: ignore[valid-type]
# "" = not stepping down; otherwise a level more intensive than IOP.
StepDownValue = Literal[("", *STEP_DOWN_FROM_LEVELS)]  # type: ignore[valid-type]


# --- shared pieces ----------------------------------------------------------------------------------------


class StaffRefOut(Schema):
    uuid: UUID
    name: str

    @staticmethod
    def resolve_name(user):
        return user.display_name


class PatientRefOut(Schema):
    """Who a row is about: enough to recognise the person, the chart header has the rest."""

    uuid: UUID
    record_number: str
    legal_given_name: str
    legal_family_name: str
    preferred_name: str


def _uuid_of(obj) -> UUID | None:
    return obj.uuid if obj is not None else None


# --- referrals --------------------------------------------------------------------------------------------


class ReferralFilters(Schema):
    status: ReferralStatusValue | None = None
    program: UUID | None = Field(None, description="One of your programs.")
    source: ReferralSourceValue | None = None
    urgency: UrgencyValue | None = None
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)


class ReferralListItemOut(Schema):
    uuid: UUID
    program: ProgramOut
    status: str
    source: str
    urgency: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    received_at: datetime.datetime
    first_contact_at: datetime.datetime | None
    assessment_booked_for: datetime.datetime | None
    closed_at: datetime.datetime | None
    patient_uuid: UUID | None
    episode_uuid: UUID | None

    @staticmethod
    def resolve_patient_uuid(referral):
        return _uuid_of(referral.patient)

    @staticmethod
    def resolve_episode_uuid(referral):
        return _uuid_of(referral.episode)


class ReferralPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReferralListItemOut]


class ReferralEventOut(Schema):
    from_status: str
    to_status: str
    at: datetime.datetime
    by: StaffRefOut | None
    note: str


class ReferralDocumentOut(Schema):
    """A document's metadata. The file itself is downloaded from the web application (audited there)."""

    uuid: UUID
    original_name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: StaffRefOut
    uploaded_at: datetime.datetime


class SelfCheckOut(Schema):
    """The public self-check's answers, as the person gave them."""

    version: str
    language: str
    outcome: str
    answers: dict[str, Any]


class ReferralOut(ReferralListItemOut):
    phone: str
    email: str
    preferred_language: str
    best_time_to_contact: str
    referring_provider: str
    referring_organization: str
    referring_contact: str
    reason: str
    admitted_at: datetime.datetime | None
    events: list[ReferralEventOut]
    documents: list[ReferralDocumentOut]
    self_check: SelfCheckOut | None

    @staticmethod
    def resolve_events(referral):
        return list(referral.events.select_related("by__staff_profile"))

    @staticmethod
    def resolve_documents(referral):
        return list(referral.documents.select_related("uploaded_by__staff_profile"))

    @staticmethod
    def resolve_self_check(referral):
        stored = referral.self_check
        if not isinstance(stored, dict):
            return None
        answers = stored.get("answers", {})
        return {
            "version": str(stored.get("version", "")),
            "language": str(stored.get("language", "")),
            "outcome": str(stored.get("outcome", "")),
            "answers": answers if isinstance(answers, dict) else {"answers": answers},
        }


class ReferralIn(Schema):
    program: UUID = Field(description="One of your programs.")
    source: ReferralSourceValue
    given_name: str = Field(min_length=1, max_length=80)
    family_name: str = Field(min_length=1, max_length=80)
    date_of_birth: datetime.date | None = None
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    preferred_language: LanguageValue = "en"
    best_time_to_contact: str = Field("", max_length=120)
    referring_provider: str = Field("", max_length=120)
    referring_organization: str = Field("", max_length=160)
    referring_contact: str = Field("", max_length=160, description="The referrer's phone or email.")
    reason: str = Field(min_length=1, max_length=5000)
    urgency: UrgencyValue = "routine"


class ReferralTransitionIn(Schema):
    to_status: ReferralStatusValue = Field(
        description="The next step (see the pipeline). `admitted` only happens through admission."
    )
    note: str = Field("", max_length=2000, description="Required for referred_elsewhere and declined.")
    assessment_at: datetime.datetime | None = Field(
        None, description="Required for assessment_booked: when the assessment takes place."
    )


# --- rubrics ----------------------------------------------------------------------------------------------


class AnchorOut(Schema):
    rating: int
    label: str
    description: str


class DimensionOut(Schema):
    id: str
    title: str
    help: str
    anchors: list[AnchorOut]


class LevelOut(Schema):
    id: str
    title: str


class RubricOut(Schema):
    id: str
    version: str
    title: str
    licence: str
    source: str
    scale_min: int
    scale_max: int
    current: bool = Field(description="The latest version of this rubric: the one new assessments use.")
    levels: list[LevelOut]
    dimensions: list[DimensionOut]


# --- assessments ------------------------------------------------------------------------------------------


class AssessmentIn(Schema):
    rubric_id: str = Field(DEFAULT_RUBRIC_ID, max_length=60, description="Its latest version is used.")
    ratings: dict[str, int] = Field(description="Dimension id → rating, every dimension of the rubric.")
    determined_level: str = Field(max_length=30, description="One of the rubric's level ids.")
    override_reason: str = Field(
        "", max_length=5000, description="Required when the determined level differs from the recommendation."
    )
    notes: str = Field("", max_length=5000)
    assessed_on: datetime.date
    referral: UUID | None = Field(None, description="A referral of this patient the assessment answers.")


class AssessmentOut(Schema):
    uuid: UUID
    patient_uuid: UUID
    referral_uuid: UUID | None
    episode_uuid: UUID | None
    rubric_id: str
    rubric_version: str
    ratings: dict[str, int]
    recommended_level: str
    recommendation_reasons: list[str]
    determined_level: str
    is_override: bool
    override_reason: str
    notes: str
    assessed_on: datetime.date
    assessed_by: StaffRefOut
    signed_at: datetime.datetime

    @staticmethod
    def resolve_patient_uuid(assessment):
        return assessment.patient.uuid

    @staticmethod
    def resolve_referral_uuid(assessment):
        return _uuid_of(assessment.referral)

    @staticmethod
    def resolve_episode_uuid(assessment):
        return _uuid_of(assessment.episode)


# --- episodes: admission, waitlist, transitions, certification, due items ---------------------------------


class DueItemOut(Schema):
    uuid: UUID
    kind: str
    due_on: datetime.date
    owner: StaffRefOut | None
    completed_at: datetime.datetime | None
    completed_by: StaffRefOut | None
    note: str


class CertificationOut(Schema):
    uuid: UUID
    certified_by: StaffRefOut
    certified_on: datetime.date
    hours_per_week: Decimal
    valid_until: datetime.date
    is_recertification: bool
    statement: str


class LevelTransitionOut(Schema):
    uuid: UUID
    from_level: str
    to_level: str
    direction: str
    on: datetime.date
    reason: str
    from_setting: str
    to_setting: str


class WaitlistEntryOut(Schema):
    uuid: UUID
    track: TrackOut | None
    urgency: str
    stepping_down_from: str
    added_on: datetime.date
    removed_at: datetime.datetime | None
    note: str


class EpisodeDetailOut(EpisodeWithCareTeamOut):
    patient: PatientRefOut
    due_items: list[DueItemOut]
    certifications: list[CertificationOut]
    level_transitions: list[LevelTransitionOut]
    waitlist_entry: WaitlistEntryOut | None

    @staticmethod
    def resolve_due_items(episode):
        # Open items first, each part by due date (in Python: databases sort NULLs differently).
        items = episode.due_items.select_related("owner__staff_profile", "completed_by__staff_profile")
        return sorted(items, key=lambda item: (item.completed_at is not None, item.due_on, item.kind))

    @staticmethod
    def resolve_certifications(episode):
        return list(episode.certifications.select_related("certified_by__staff_profile"))

    @staticmethod
    def resolve_level_transitions(episode):
        return list(episode.level_transitions.order_by("on", "created_at"))

    @staticmethod
    def resolve_waitlist_entry(episode):
        return getattr(episode, "waitlist_entry", None)


class AdmissionIn(Schema):
    track: UUID = Field(description="An open track of the episode's program.")
    admitted_on: datetime.date
    primary_clinician: UUID = Field(description="A clinician or psychiatrist of the program.")
    psychiatrist: UUID | None = Field(None, description="A psychiatrist of the program.")
    stepping_down_from: StepDownValue = Field("", description="Only when coming from a more intensive level.")
    from_setting: str = Field("", max_length=160, description="The organization the person comes from.")
    transition_reason: str = Field("", max_length=2000, description="Required with stepping_down_from.")


class WaitlistIn(Schema):
    track: UUID | None = Field(None, description="An open track of the program; none = the first place.")
    urgency: UrgencyValue = "routine"
    stepping_down_from: StepDownValue = Field("", description="People stepping down come first.")
    note: str = Field("", max_length=1000)


class LevelTransitionIn(Schema):
    from_level: LevelValue = "intensive_outpatient"
    to_level: LevelValue
    on: datetime.date = Field(description="The day of the change; leaving IOP discharges the episode then.")
    reason: str = Field(min_length=1, max_length=5000)
    from_setting: str = Field("", max_length=160)
    to_setting: str = Field("", max_length=160)


class CertificationIn(Schema):
    hours_per_week: Decimal = Field(ge=0, le=40, max_digits=4, decimal_places=1)
    certified_on: datetime.date
    statement: str = Field(
        min_length=1, max_length=5000, description="The clinical need, in a sentence or two."
    )


class ProgramQuery(Schema):
    program: UUID = Field(description="One of your programs.")


class WaitlistRowOut(Schema):
    position: int
    expected_start: datetime.date = Field(description="An estimate, recomputed on every request.")
    days_waiting: int
    episode_uuid: UUID
    patient: PatientRefOut
    entry: WaitlistEntryOut


class WaitlistOut(Schema):
    program: ProgramOut
    items: list[WaitlistRowOut]


class DueItemRowOut(DueItemOut):
    overdue: bool
    episode_uuid: UUID
    patient: PatientRefOut


class DueItemsOut(Schema):
    program: ProgramOut
    items: list[DueItemRowOut]
