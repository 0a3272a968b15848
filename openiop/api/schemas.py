"""What the API returns. Explicit fields only, public UUIDs only: internal integer ids never leave."""

import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from openiop.patients.models import EpisodeStatus
from openiop.patients.selectors import current_episode

EpisodeStatusValue = Literal[tuple(EpisodeStatus.values)]  # type: ignore[valid-type]


class ProgramOut(Schema):
    uuid: UUID
    name: str
    short_name: str


class TrackOut(Schema):
    uuid: UUID
    name: str


class MeOut(Schema):
    uuid: UUID
    username: str
    name: str
    role: str
    programs: list[ProgramOut]


class CareTeamMemberOut(Schema):
    uuid: UUID
    name: str
    role: str

    @staticmethod
    def resolve_uuid(member):
        return member.user.uuid

    @staticmethod
    def resolve_name(member):
        return member.user.display_name


class EpisodeOut(Schema):
    uuid: UUID
    program: ProgramOut
    track: TrackOut | None
    status: str
    referred_on: datetime.date
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None


class EpisodeWithCareTeamOut(EpisodeOut):
    care_team: list[CareTeamMemberOut]

    @staticmethod
    def resolve_care_team(episode):
        # Members prefetched with their users (patients/selectors.py) are used as they are; otherwise one
        # query loads them with their users and credentials rather than one per member (issue 10).
        if "care_team_members" in getattr(episode, "_prefetched_objects_cache", {}):
            return list(episode.care_team_members.all())
        return list(episode.care_team_members.select_related("user__staff_profile"))


class PatientListItemOut(Schema):
    """A census row: what the web patient list shows to anyone who may list patients."""

    uuid: UUID
    record_number: str
    legal_given_name: str
    legal_family_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: datetime.date
    current_episode: EpisodeOut | None

    @staticmethod
    def resolve_current_episode(patient):
        return current_episode(patient)


class PatientOut(PatientListItemOut):
    """A chart header: only for those who may open the chart."""

    language: str
    current_episode: EpisodeWithCareTeamOut | None

    @staticmethod
    def resolve_current_episode(patient):
        return current_episode(patient)


class PatientPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientListItemOut]


class PatientFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Name words or the exact record number.")
    status: EpisodeStatusValue | None = Field(None, description="Status of an episode of care.")
    program: UUID | None = Field(None, description="One of your programs.")
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)
