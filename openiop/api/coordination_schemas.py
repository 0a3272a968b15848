"""What the coordination operations take and return: providers, consents and the accounting of disclosures.
Explicit fields, public UUIDs only.
"""

import datetime
from typing import Literal
from uuid import UUID

from django.utils import timezone
from ninja import Field, Schema

from openiop.coordination.models import Category, ConsentKind, ProviderRole, Purpose

from .intake_schemas import StaffRefOut

ProviderRoleValue = Literal[tuple(ProviderRole.values)]  # type: ignore[valid-type]
ConsentKindValue = Literal[tuple(ConsentKind.values)]  # type: ignore[valid-type]
CategoryValue = Literal[tuple(Category.values)]  # type: ignore[valid-type]
PurposeValue = Literal[tuple(Purpose.values)]  # type: ignore[valid-type]


def _uuid_of(obj) -> UUID | None:
    return obj.uuid if obj is not None else None


# --- providers ---------------------------------------------------------------------------------------------


class ProviderQuery(Schema):
    q: str = Field("", max_length=100, description="Words found in the name or the organization.")
    active: bool | None = Field(None, description="Only active (true) or inactive (false) providers.")


class ProviderIn(Schema):
    name: str = Field(min_length=1, max_length=160)
    role: ProviderRoleValue
    organization: str = Field("", max_length=160)
    phone: str = Field("", max_length=32)
    direct_address: str = Field(
        "", max_length=254, description="The provider's Direct address for secure messaging."
    )
    npi: str = Field(
        "", max_length=20, description="Optional National Provider Identifier: 10 digits (Luhn)."
    )
    active: bool = True


class ProviderRefOut(Schema):
    uuid: UUID
    name: str
    organization: str


class ProviderOut(Schema):
    uuid: UUID
    name: str
    role: str
    role_label: str
    organization: str
    phone: str
    direct_address: str
    npi: str
    active: bool

    @staticmethod
    def resolve_role_label(provider):
        return str(provider.get_role_display())


# --- consents ----------------------------------------------------------------------------------------------


class ConsentIn(Schema):
    """A consent the patient signs in front of the caller, with every element of 42 CFR §2.31."""

    kind: ConsentKindValue
    disclosing_party: str = Field(
        "", max_length=200, description="Who may disclose: the program, by name (authorizations)."
    )
    recipient: UUID | None = Field(None, description="The named recipient: an active provider's UUID.")
    tpo: bool = Field(
        False,
        description="Instead of a named recipient: a single consent for all future treatment, payment and "
        "health care operations.",
    )
    purposes: list[PurposeValue] = Field(default_factory=list)
    categories: list[CategoryValue] = Field(default_factory=list, description="The information covered.")
    expires_on: datetime.date | None = None
    expires_at_discharge: bool = Field(
        False,
        description="It expires when the patient is discharged from the program (the stay open now), or on "
        "expires_on if that comes first. The system enforces it.",
    )
    expiry_event: str = Field(
        "",
        max_length=200,
        description="Or another event on which it expires, which the system does not check.",
    )
    signed_name: str = Field(
        min_length=1, max_length=160, description="The patient's full name, typed by the patient."
    )
    signed_on: datetime.date
    revocation_explained: bool = Field(
        description="The caller explained that the patient may revoke the consent at any time (must be true)."
    )
    witnessed: bool = Field(
        description="The patient typed their name in front of the caller, who witnesses it (must be true)."
    )


class RevokeIn(Schema):
    note: str = Field(
        max_length=300, description="How the patient revoked (in writing, in person, by phone)."
    )


class ConsentOut(Schema):
    uuid: UUID
    patient: UUID
    kind: str
    kind_label: str
    status: Literal["active", "expired", "revoked"]
    disclosing_party: str
    recipient: ProviderRefOut | None
    recipient_text: str
    tpo: bool
    purposes: list[str]
    categories: list[str]
    expires_on: datetime.date | None
    expires_at_discharge: bool
    expires_at: datetime.datetime | None = Field(
        description="The first moment it no longer holds, as the system enforces it: the day after "
        "expires_on, or the patient's discharge for a consent expiring at discharge, whichever comes first; "
        "none while neither is known."
    )
    expiry_event: str = Field(description="Another expiry event, in the patient's words: not checked.")
    signed_name: str
    signed_on: datetime.date
    signed_at: datetime.datetime
    witnessed_by: StaffRefOut | None = Field(
        description="Who witnessed (on screen) or recorded (paper) the signature; none for a signature the "
        "patient made in the portal with their own account."
    )
    signature_method: Literal["on_screen", "paper", "portal"] = Field(
        description="Signed on screen (witnessed_by witnessed it), on paper (witnessed_by recorded it) or by "
        "the patient in the portal."
    )
    paper_received_by: str = Field(description="Who received the signed paper form (paper only).")
    scan_sha256: str | None = Field(description="SHA-256 of the scan of the signed paper form, if any.")
    revoked_at: datetime.datetime | None
    revoked_by: StaffRefOut | None
    revocation_note: str

    @staticmethod
    def resolve_patient(consent):
        return consent.patient.uuid

    @staticmethod
    def resolve_kind_label(consent):
        return str(consent.get_kind_display())

    @staticmethod
    def resolve_expires_at(consent):
        return consent.expires_at()

    @staticmethod
    def resolve_status(consent):
        return consent.status_at(timezone.now())

    @staticmethod
    def resolve_recipient_text(consent):
        return consent.recipient_text()

    @staticmethod
    def resolve_scan_sha256(consent):
        scan = consent.scan
        return scan.sha256 if scan is not None else None


# --- the external care team -------------------------------------------------------------------------------


class ExternalMemberEndIn(Schema):
    ended_on: datetime.date | None = Field(
        None, description="The last day of the membership; today if omitted."
    )
    reason: str = Field(max_length=200, description="Why the provider no longer cares for the patient.")


class ExternalMemberOut(Schema):
    uuid: UUID
    patient: UUID
    provider: ProviderRefOut
    role: str
    note: str
    ended_on: datetime.date | None
    end_reason: str

    @staticmethod
    def resolve_patient(member):
        return member.patient.uuid


# --- the accounting of disclosures -------------------------------------------------------------------------


class DisclosureOut(Schema):
    uuid: UUID
    disclosed_at: datetime.datetime
    disclosed_by: StaffRefOut
    recipient: ProviderRefOut
    recipient_text: str = Field(description="The recipient as named when disclosed.")
    purpose: str
    categories: list[str]
    description: str
    media_type: str
    part2: bool = Field(description="Contained 42 CFR Part 2 records.")
    consents: list[UUID] = Field(description="The consents that allowed it.")
    sha256: str = Field(description="SHA-256 of exactly what left.")
    size: int
    retain_until: datetime.date

    @staticmethod
    def resolve_consents(disclosure):
        return [consent.uuid for consent in disclosure.consents.all()]
