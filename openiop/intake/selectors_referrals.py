"""Reads of referrals for a user: the loader that checks access and audits, the pipeline board, and the
time-to-contact / time-to-admission figures."""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import Patient

from .models import CLOSED_STATUSES, Referral, ReferralDocument, ReferralStatus, Urgency

OPEN_COLUMNS = (
    ReferralStatus.NEW,
    ReferralStatus.CONTACTED,
    ReferralStatus.ASSESSMENT_BOOKED,
    ReferralStatus.ASSESSED,
)
# The board's closed section: what closed recently enough still to be talked about at the intake meeting.
RECENTLY_CLOSED_DAYS = 30
RECENTLY_CLOSED_LIMIT = 50


def referrals_for_user(user) -> QuerySet[Referral]:
    """Referrals of the programs the user belongs to."""
    return Referral.objects.filter(program__staff_profiles__user=user).distinct()


def referral_for_user(
    request, referral_uuid, permission: str = "intake.view_referral", *, audit: bool = True
) -> Referral:
    """Load a referral the user may act on: 404 if unknown, 403 (audited) if not allowed.

    Writes the VIEW audit event (with the linked patient, if any) unless `audit` is off, for callers
    whose service writes its own event.
    """
    referral = get_object_or_404(
        Referral.objects.select_related("program", "patient", "episode"), uuid=referral_uuid
    )
    if not request.user.has_perm(permission, referral):
        refuse(request, permission=permission, patient=referral.patient, obj=referral)
    if audit:
        audit_record(action=Action.VIEW, request=request, patient=referral.patient, obj=referral)
    return referral


def referral_document_for_user(request, document_uuid) -> ReferralDocument:
    """Load a referral document for download: access follows its referral; the download is audited."""
    document = get_object_or_404(
        ReferralDocument.objects.select_related("referral__program", "referral__patient"), uuid=document_uuid
    )
    referral = document.referral
    if not request.user.has_perm("intake.view_referral", referral):
        refuse(request, permission="intake.view_referral", patient=referral.patient, obj=document)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=referral.patient,
        obj=document,
        detail={"referral": str(referral.uuid)},
    )
    return document


# --- figures ------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default), or None."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def hours_to_first_contact(referral: Referral) -> float | None:
    if referral.first_contact_at is None:
        return None
    return (referral.first_contact_at - referral.received_at).total_seconds() / 3600


def days_to_admission(referral: Referral) -> float | None:
    if referral.admitted_at is None:
        return None
    return (referral.admitted_at - referral.received_at).total_seconds() / 86400


@dataclass
class Figure:
    count: int
    median: float | None
    p90: float | None


def figure(values: list[float]) -> Figure:
    return Figure(count=len(values), median=percentile(values, 50), p90=percentile(values, 90))


def pipeline_figures(referrals) -> dict[str, Figure]:
    """Median and 90th percentile time to first contact (hours) and to admission (days)."""
    contact = [h for r in referrals if (h := hours_to_first_contact(r)) is not None]
    admission = [d for r in referrals if (d := days_to_admission(r)) is not None]
    return {"contact_hours": figure(contact), "admission_days": figure(admission)}


# --- possible duplicates, for many referrals at once -----------------------------------------------------


def _identity(given: str, family: str, born) -> tuple:
    return (given.strip().lower(), family.strip().lower(), born)


def possible_patients_by_referral(referrals) -> dict[int, list[Patient]]:
    """For unlinked referrals with a date of birth: patients of the same name and birth date.

    The same rule as `referral_possible_patients`, answered for all the referrals in one query.
    """
    wanted = [r for r in referrals if r.patient_id is None and r.date_of_birth is not None]
    if not wanted:
        return {}
    candidates = defaultdict(list)
    patients = Patient.objects.annotate(given=Lower("legal_given_name"), family=Lower("legal_family_name"))
    for patient in patients.filter(date_of_birth__in={r.date_of_birth for r in wanted}):
        candidates[(patient.given, patient.family, patient.date_of_birth)].append(patient)
    found = {}
    for referral in wanted:
        matches = candidates.get(_identity(referral.given_name, referral.family_name, referral.date_of_birth))
        if matches:
            found[referral.pk] = matches
    return found


# --- the board ----------------------------------------------------------------------------------------


@dataclass
class Card:
    referral: Referral
    days_waiting: int
    possible_duplicate: bool


@dataclass
class Column:
    status: str
    label: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class Board:
    columns: list[Column]
    closed: list[Card]
    figures: dict[str, Figure]
    total: int


def referral_board(
    user,
    *,
    program=None,
    source: str = "",
    urgency: str = "",
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Board:
    """The pipeline of the user's programs, narrowed by the filters: a column per open status, the
    recently closed, and the figures for the whole filtered set."""
    now = now or timezone.now()
    referrals = referrals_for_user(user).select_related("program")
    if program is not None:
        referrals = referrals.filter(program=program)
    if source:
        referrals = referrals.filter(source=source)
    if urgency:
        referrals = referrals.filter(urgency=urgency)
    if received_from:
        referrals = referrals.filter(received_at__date__gte=received_from)
    if received_to:
        referrals = referrals.filter(received_at__date__lte=received_to)
    rows = list(referrals.order_by("received_at", "id"))
    duplicates = possible_patients_by_referral(rows)

    def card(referral: Referral) -> Card:
        until = referral.closed_at if referral.status in CLOSED_STATUSES and referral.closed_at else now
        return Card(referral, (until - referral.received_at).days, referral.pk in duplicates)

    columns = {status: Column(status, ReferralStatus(status).label) for status in OPEN_COLUMNS}
    closed = []
    recent = now - datetime.timedelta(days=RECENTLY_CLOSED_DAYS)
    for referral in rows:
        if referral.status in columns:
            columns[referral.status].cards.append(card(referral))
        elif referral.closed_at is None or referral.closed_at >= recent:
            closed.append(card(referral))
    for column in columns.values():
        # Urgent referrals first, then the longest waiting.
        column.cards.sort(key=lambda c: (c.referral.urgency != Urgency.URGENT, c.referral.received_at))
    closed.sort(key=lambda c: c.referral.closed_at or c.referral.received_at, reverse=True)
    return Board(
        columns=list(columns.values()),
        closed=closed[:RECENTLY_CLOSED_LIMIT],
        figures=pipeline_figures(rows),
        total=len(rows),
    )
