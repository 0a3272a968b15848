"""What one user may reach, remembered for one request, so a chart's dozen panels ask the database once.

A chart renders a dozen panels, each checking its app's permission, and each permission asks again whether
the user is on the patient's care team, in the patient's program, or holds an open break-the-glass access:
the same EXISTS query up to twenty times a page. Django's ModelBackend keeps `_perm_cache` on the user
object for the same reason, and so do we: the facts live on the user object only. request.user is loaded
afresh for every request, so a remembered answer never outlives the request that asked it.

Care-team membership is loaded once as the set of patient ids whose care team (any episode) the user is on:
ids only, so a clinician on many care teams at size L costs one small query. A page that loaded the patient
with every episode's care team (patients.selectors.with_episodes) answers for that patient from them
instead (`remember_care_team`), and the set is loaded only if another patient is asked about. Program
membership is remembered per patient (a director's program may hold thousands of patients). Break-the-glass
accesses are loaded once with their expiry and compared with the clock at each check, so one that expires
during the request stops counting, as the query did.

A service that changes these facts (care-team membership, break-the-glass) calls `chart_access_forget`
on the user objects it has in hand, so a later check in the same request sees the change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from .models import BreakGlassAccess, CareTeamMember, EpisodeOfCare

_ATTRIBUTE = "_openiop_chart_access"


@dataclass
class _Facts:
    care_team: frozenset[int] | None = None
    care_team_of: dict[int, bool] = field(default_factory=dict)
    in_program: dict[int, bool] = field(default_factory=dict)
    break_glass_until: dict[int, datetime.datetime] | None = None


def _facts(user) -> _Facts | None:
    """The user's remembered facts, created on first use; None for anyone who cannot hold any."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    facts = getattr(user, _ATTRIBUTE, None)
    if facts is None:
        facts = _Facts()
        setattr(user, _ATTRIBUTE, facts)
    return facts


def chart_access_forget(*users) -> None:
    """Drop what is remembered for these user objects (None is skipped): their access has just changed."""
    for user in users:
        if user is not None and getattr(user, _ATTRIBUTE, None) is not None:
            setattr(user, _ATTRIBUTE, None)


def remember_care_team(user, patient) -> None:
    """Remember whether `user` is on `patient`'s care team, read from the care teams loaded with the patient.

    `patient` must come with every episode's care team members prefetched (`with_episodes` does): then the
    first permission check of the page needs no query of the user's care teams."""
    facts = _facts(user)
    if facts is None or patient is None or patient.pk is None:
        return
    facts.care_team_of[patient.pk] = any(
        member.user_id == user.pk
        for episode in patient.episodes.all()
        for member in episode.care_team_members.all()
    )


def is_on_care_team(user, patient) -> bool:
    """Whether `user` is on the care team of any of `patient`'s episodes."""
    facts = _facts(user)
    if facts is None or patient is None or patient.pk is None:
        return False
    if facts.care_team is None and patient.pk in facts.care_team_of:
        return facts.care_team_of[patient.pk]
    if facts.care_team is None:
        facts.care_team = frozenset(
            CareTeamMember.objects.filter(user=user).order_by().values_list("episode__patient_id", flat=True)
        )
    return patient.pk in facts.care_team


def is_in_patient_program(user, patient) -> bool:
    """Whether any of `patient`'s episodes is in a program `user` works in."""
    facts = _facts(user)
    if facts is None or patient is None or patient.pk is None:
        return False
    if patient.pk not in facts.in_program:
        facts.in_program[patient.pk] = EpisodeOfCare.objects.filter(
            patient_id=patient.pk, program__staff_profiles__user=user
        ).exists()
    return facts.in_program[patient.pk]


def has_break_glass_open(user, patient) -> bool:
    """Whether `user` holds a break-the-glass access to `patient` that has not expired yet."""
    facts = _facts(user)
    if facts is None or patient is None or patient.pk is None:
        return False
    now = timezone.now()
    if facts.break_glass_until is None:
        until: dict[int, datetime.datetime] = {}
        accesses = BreakGlassAccess.objects.filter(user=user, expires_at__gt=now).order_by()
        for patient_id, expires_at in accesses.values_list("patient_id", "expires_at"):
            until[patient_id] = max(expires_at, until.get(patient_id, expires_at))
        facts.break_glass_until = until
    expires_at = facts.break_glass_until.get(patient.pk)
    return expires_at is not None and expires_at > now
