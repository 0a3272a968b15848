"""Change between two administrations: reliable change, response, remission and clinical significance.

Reliable change follows Jacobson & Truax (1991), "Clinical significance: a statistical approach to defining
meaningful change in psychotherapy research", J Consult Clin Psychol 59(1):12-19:

    SE    = SD * sqrt(1 - r)            standard error of measurement
    S_diff = sqrt(2 * SE**2)            standard error of the difference between two scores
    RCI   = (x2 - x1) / S_diff          reliable when |RCI| > 1.96 (p < .05)

When an instrument's file gives a published threshold instead (PHQ-9: a drop of 6 or more, GAD-7: 4 or
more), that threshold decides. Direction comes from the file: for the PHQ-9 lower is better, for a
well-being index higher is better, so "improvement" is always a change towards better.

Criterion c for clinical significance is the point between the clinical and the functional populations
(Jacobson & Truax 1991): c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func), or a published
cut-off. "Clinically significant improvement" (their "recovered") is a reliable improvement that crosses c
from the clinical to the functional side.

Plain Python: no Django, no I/O.
"""

import math
from dataclasses import dataclass

from .instrument_schema import ChangeRules, ClinicalCutoff, Instrument

RELIABLE_IMPROVEMENT = "reliable_improvement"
NO_RELIABLE_CHANGE = "no_reliable_change"
RELIABLE_DETERIORATION = "reliable_deterioration"

# Two-tailed 95 %: Jacobson & Truax 1991.
RCI_CRITICAL = 1.96


def standard_error_of_difference(sd: float, reliability: float) -> float:
    """S_diff = sqrt(2 * (SD * sqrt(1 - r))**2)."""
    if sd <= 0:
        raise ValueError("The standard deviation must be more than 0.")
    if not 0 <= reliability < 1:
        raise ValueError("The reliability must be at least 0 and less than 1.")
    standard_error = sd * math.sqrt(1 - reliability)
    return math.sqrt(2 * standard_error**2)


def reliable_change_index(baseline: float, current: float, *, sd: float, reliability: float) -> float:
    """Jacobson–Truax RCI = (current - baseline) / S_diff. Its sign follows the score, not 'better'."""
    return (current - baseline) / standard_error_of_difference(sd, reliability)


def cutoff_value(cutoff: ClinicalCutoff) -> float:
    """Criterion c: the published value, or the weighted midpoint between the two populations."""
    if cutoff.value is not None:
        return cutoff.value
    return (cutoff.clinical_sd * cutoff.functional_mean + cutoff.functional_sd * cutoff.clinical_mean) / (
        cutoff.clinical_sd + cutoff.functional_sd
    )


@dataclass(frozen=True)
class ChangeResult:
    baseline: float
    current: float
    difference: float  # current - baseline
    improvement: float  # positive when the change is towards better, whatever the direction of the scale
    method: str | None  # "threshold", "rci", or None when the instrument gives no reliable-change rule
    threshold: float | None
    rci: float | None
    classification: str | None  # RELIABLE_IMPROVEMENT, NO_RELIABLE_CHANGE, RELIABLE_DETERIORATION or None
    response: bool | None  # None: no rule, or baseline too low for the rule to apply
    remission: bool | None
    cutoff: float | None
    clinically_significant: bool | None  # reliable improvement crossing c; None without c or a reliable rule
    citations: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline,
            "current": self.current,
            "difference": self.difference,
            "improvement": self.improvement,
            "method": self.method,
            "threshold": self.threshold,
            "rci": None if self.rci is None else round(self.rci, 3),
            "classification": self.classification,
            "response": self.response,
            "remission": self.remission,
            "cutoff": self.cutoff,
            "clinically_significant": self.clinically_significant,
            "citations": list(self.citations),
        }


def classify(
    improvement: float, *, threshold: float | None = None, rci: float | None = None, better: str = "lower"
) -> str:
    """Reliable improvement / no reliable change / reliable deterioration, from a threshold or an RCI.

    improvement: the change towards better (positive = better). With a threshold, a change of at least the
    threshold either way is reliable. With an RCI, |RCI| > 1.96 is reliable and its sign is read with `better`.
    """
    if threshold is not None:
        if improvement >= threshold:
            return RELIABLE_IMPROVEMENT
        if -improvement >= threshold:
            return RELIABLE_DETERIORATION
        return NO_RELIABLE_CHANGE
    if rci is None:
        raise ValueError("Give a threshold or an RCI.")
    if abs(rci) <= RCI_CRITICAL:
        return NO_RELIABLE_CHANGE
    towards_better = rci < 0 if better == "lower" else rci > 0
    return RELIABLE_IMPROVEMENT if towards_better else RELIABLE_DETERIORATION


def assess_change(rules: ChangeRules, baseline: float, current: float) -> ChangeResult:
    """Everything the instrument's change rules say about going from `baseline` to `current`."""
    difference = current - baseline
    improvement = -difference if rules.better == "lower" else difference
    citations = []

    method = threshold = rci = classification = None
    reliable = rules.reliable_change
    if reliable is not None:
        citations.append(reliable.citation)
        if reliable.threshold is not None:
            method, threshold = "threshold", reliable.threshold
            classification = classify(improvement, threshold=threshold)
        else:
            method = "rci"
            rci = reliable_change_index(baseline, current, sd=reliable.sd, reliability=reliable.reliability)
            classification = classify(improvement, rci=rci, better=rules.better)

    response = None
    if rules.response is not None:
        citations.append(rules.response.citation)
        if baseline >= rules.response.min_baseline:
            # A percentage of the baseline, compared in integers-times-100 terms to avoid 0.1 + 0.2 surprises.
            response = (baseline - current) * 100 >= rules.response.reduction_percent * baseline

    remission = None
    if rules.remission is not None:
        citations.append(rules.remission.citation)
        if rules.remission.min_baseline is None or baseline >= rules.remission.min_baseline:
            remission = current < rules.remission.below

    cutoff = significant = None
    if rules.clinical_cutoff is not None:
        citations.append(rules.clinical_cutoff.citation)
        cutoff = cutoff_value(rules.clinical_cutoff)
        if classification is not None:
            if rules.better == "lower":
                crossed = baseline >= cutoff > current
            else:
                crossed = baseline < cutoff <= current
            significant = classification == RELIABLE_IMPROVEMENT and crossed

    return ChangeResult(
        baseline=baseline,
        current=current,
        difference=difference,
        improvement=improvement,
        method=method,
        threshold=threshold,
        rci=rci,
        classification=classification,
        response=response,
        remission=remission,
        cutoff=cutoff,
        clinically_significant=significant,
        citations=tuple(citations),
    )


def assess_instrument_change(instrument: Instrument, baseline: float, current: float) -> ChangeResult:
    """assess_change with the instrument's own rules; ValueError when it has none (a screen such as ASQ)."""
    if instrument.change is None:
        raise ValueError(f"{instrument} has no change rules.")
    for value in (baseline, current):
        if not instrument.min_total <= value <= instrument.max_total:
            raise ValueError(
                f"{value} is outside {instrument}'s range {instrument.min_total}–{instrument.max_total}."
            )
    return assess_change(instrument.change, baseline, current)
