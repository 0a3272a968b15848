"""What a patient's questionnaire scores mean, in plain words (about a 6th-grade reading level).

The portal's Progress page shows each chart with one short explanation: where the score started, where
it is now, which way is better, and whether the change is big enough to be real (the instrument's own
reliable-change rule, measures/change.py). The words "real improvement" are said only when the
classification is a reliable improvement: a patient must never read that they got better when the
numbers do not show it. Deterioration is said gently and points to the care team, with no alarm words.

Plain Python: facts in, a sentence out; no Django models, no I/O (gettext only, for translation).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from openiop.measures.change import NO_RELIABLE_CHANGE, RELIABLE_DETERIORATION, RELIABLE_IMPROVEMENT


@dataclass(frozen=True)
class ScoreFacts:
    """What the explanation needs of one trajectory."""

    instrument: str  # "PHQ-9"
    scores: tuple[int, ...]  # in date order
    better: str | None  # "lower", "higher", or None (the instrument has no change rules)
    classification: str | None  # measures.change's classification of last against first, or None
    threshold: float | None = None  # the published reliable-change threshold, when there is one


def _number(value: float) -> str:
    return f"{value:g}"


def explain(facts: ScoreFacts) -> str:
    """One to three short sentences about the scores, for the patient."""
    scores = facts.scores
    if not scores:
        return _("You have no %(instrument)s scores yet.") % {"instrument": facts.instrument}
    if len(scores) == 1:
        return _(
            "Your %(instrument)s score was %(score)s. After your next one, you will see how it changed."
        ) % {"instrument": facts.instrument, "score": scores[0]}
    first, last = scores[0], scores[-1]
    if first == last:
        parts = [
            _("Your %(instrument)s score started at %(first)s and is %(last)s now: the same.")
            % {"instrument": facts.instrument, "first": first, "last": last}
        ]
    else:
        parts = [
            _("Your %(instrument)s score went from %(first)s to %(last)s.")
            % {"instrument": facts.instrument, "first": first, "last": last}
        ]
    if facts.better == "lower":
        parts.append(_("Lower is better."))
    elif facts.better == "higher":
        parts.append(_("Higher is better."))
    parts.append(_meaning(facts, first, last))
    return " ".join(part for part in parts if part)


def _meaning(facts: ScoreFacts, first: int, last: int) -> str:
    if facts.classification == RELIABLE_IMPROVEMENT:
        if facts.threshold is not None:
            return _("That is a real improvement (a change of %(points)s points or more).") % {
                "points": _number(facts.threshold)
            }
        return _("That is a real improvement, bigger than normal ups and downs.")
    if facts.classification == RELIABLE_DETERIORATION:
        return _(
            "Things may be harder right now. Your care team sees these scores too; you can talk with them."
        )
    if facts.classification == NO_RELIABLE_CHANGE and first != last:
        return _("The change is small. It may be normal ups and downs, not a real change yet.")
    return ""


def facts_of(trajectory) -> ScoreFacts:
    """The facts of a measures.trajectory.Trajectory (scores only: no item answers, no staff comments)."""
    change = trajectory.change
    return ScoreFacts(
        instrument=trajectory.instrument_code,
        scores=tuple(point.score for point in trajectory.points),
        better=trajectory.criteria.better if trajectory.criteria else None,
        classification=trajectory.classification,
        threshold=change.threshold if change is not None and change.method == "threshold" else None,
    )
