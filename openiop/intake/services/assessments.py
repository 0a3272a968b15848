"""Level-of-care assessments: the clinician's ratings, the rubric's recommendation (always computed here,
never taken from a form), and the level the clinician determined, with a reason whenever it differs.

Signing is submitting: an assessment is stored signed and never edited; re-assessment records a new one.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.treatment.models import ReviewReason
from openiop.treatment.services import plan_review_trigger

from ..models import CLOSED_STATUSES, LevelOfCare, LevelOfCareAssessment, Referral, ReferralStatus
from ..rubric import RatingsError, Recommendation, Rubric, recommend
from ..rubric_registry import check_levels
from .admissions import LEVEL_ORDER
from .referrals import _move

# A reason of a word or two ("clinical", "disagree") says nothing the next reader can use.
MIN_OVERRIDE_REASON = 10

# The pipeline steps an assessment walks a linked referral through to "assessed" (one step at a time, as
# ALLOWED_TRANSITIONS requires): recording an assessment means the person was reached and assessed.
_TO_ASSESSED = {
    ReferralStatus.NEW: ReferralStatus.CONTACTED,
    ReferralStatus.CONTACTED: ReferralStatus.ASSESSMENT_BOOKED,
    ReferralStatus.ASSESSMENT_BOOKED: ReferralStatus.ASSESSED,
}


def assessment_recommendation(*, rubric: Rubric, ratings: dict[str, int]) -> Recommendation:
    """The rubric's recommendation for these ratings; a ValidationError on "ratings" when they do not fit."""
    try:
        return recommend(rubric, ratings)
    except RatingsError as error:
        raise ValidationError({"ratings": list(error.problems)}) from error


def _override_reason_is_enough(reason: str) -> bool:
    return len("".join(reason.split())) >= MIN_OVERRIDE_REASON


def assessment_record(
    *,
    patient,
    by,
    rubric: Rubric,
    ratings: dict[str, int],
    determined_level: str,
    override_reason: str = "",
    notes: str = "",
    assessed_on: datetime.date,
    referral: Referral | None = None,
    episode: EpisodeOfCare | None = None,
    request=None,
) -> LevelOfCareAssessment:
    """Record and sign a level-of-care assessment of `patient` by `by`.

    The recommendation is computed from `ratings` with `rubric`. A determined level that differs from it
    needs an override reason (at least 10 characters besides spaces). A linked referral that is not yet
    assessed moves to "assessed". Raises ValidationError keyed by argument name; nothing is saved then.
    """
    check_levels(rubric, source=f"{rubric.id} {rubric.version}")
    recommendation = assessment_recommendation(rubric=rubric, ratings=ratings)
    override_reason = override_reason.strip()
    errors: dict[str, str] = {}
    if determined_level not in rubric.level_ids or determined_level not in LevelOfCare.values:
        errors["determined_level"] = _("Choose one of the rubric's levels of care.")
    elif determined_level != recommendation.level and not _override_reason_is_enough(override_reason):
        errors["override_reason"] = _(
            "You chose %(chosen)s but the rubric recommends %(recommended)s: say why (at least %(n)s "
            "characters), so the next clinician understands the decision."
        ) % {
            "chosen": rubric.level_title(determined_level),
            "recommended": rubric.level_title(recommendation.level),
            "n": MIN_OVERRIDE_REASON,
        }
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The assessment date cannot be in the future.")
    if referral is not None:
        if referral.patient_id != patient.pk:
            errors["referral"] = _("This referral is not linked to this patient.")
        elif referral.status in CLOSED_STATUSES and referral.status != ReferralStatus.ADMITTED:
            errors["referral"] = _(
                "This referral is closed (%(status)s): reopen it or assess without it."
            ) % {"status": referral.get_status_display()}
    if episode is not None and episode.patient_id != patient.pk:
        errors["episode"] = _("This episode of care is not this patient's.")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    with transaction.atomic():
        if referral is not None:
            referral = Referral.objects.select_for_update().get(pk=referral.pk)
            _advance_referral(referral, by=by, assessed_on=assessed_on, now=now)
        if episode is None:
            episode = (
                referral.episode if referral is not None and referral.episode_id else _open_episode(patient)
            )
        assessment = LevelOfCareAssessment(
            patient=patient,
            referral=referral,
            episode=episode,
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            ratings={dimension.id: ratings[dimension.id] for dimension in rubric.dimensions},
            recommended_level=recommendation.level,
            recommendation_reasons=list(recommendation.reasons),
            determined_level=determined_level,
            override_reason=override_reason if determined_level != recommendation.level else "",
            notes=notes.strip(),
            assessed_on=assessed_on,
            assessed_by=by,
            signed_at=now,
            created_by=by,
            updated_by=by,
        )
        assessment.full_clean()
        assessment.save()
        # Ids only in the audit detail: the levels and ratings are clinical content.
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=patient,
            obj=assessment,
            detail={
                "rubric": f"{rubric.id} {rubric.version}",
                "referral": str(referral.uuid) if referral is not None else None,
                "episode": str(episode.uuid) if episode is not None else None,
            },
        )
        if _calls_for_step_up(episode, determined_level):
            plan_review_trigger(
                episode,
                ReviewReason.STEP_UP,
                detail=_("A level-of-care assessment on %(day)s determined %(level)s.")
                % {"day": assessed_on.isoformat(), "level": rubric.level_title(determined_level)},
                by=by,
                request=request,
            )
    return assessment


def _calls_for_step_up(episode: EpisodeOfCare | None, determined_level: str) -> bool:
    """Someone in IOP now assessed as needing more: their treatment plan is reviewed (issue 5's trigger)."""
    return (
        episode is not None
        and episode.status == EpisodeStatus.ACTIVE
        and LEVEL_ORDER.index(determined_level) > LEVEL_ORDER.index(LevelOfCare.INTENSIVE_OUTPATIENT)
    )


def _advance_referral(referral: Referral, *, by, assessed_on: datetime.date, now: datetime.datetime) -> None:
    note = _("Level-of-care assessment recorded.")
    while referral.status in _TO_ASSESSED:
        step = _TO_ASSESSED[referral.status]
        booked_for = None
        if step == ReferralStatus.ASSESSMENT_BOOKED:
            # No booking was recorded: the assessment took place on `assessed_on` (now, when that is today).
            booked_for = (
                now
                if assessed_on == timezone.localdate(now)
                else timezone.make_aware(datetime.datetime.combine(assessed_on, datetime.time(12)))
            )
        _move(referral, to_status=step, by=by, note=note, assessment_at=booked_for)


def _open_episode(patient) -> EpisodeOfCare | None:
    """The patient's open episode referred most recently: where a new assessment belongs by default."""
    return (
        EpisodeOfCare.objects.open().filter(patient=patient).order_by("-referred_on", "-created_at").first()
    )
