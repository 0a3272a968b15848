"""The public self-check "Is IOP right for me?": a pure core, plain answers in, a result out.

No request, no database: the view at /check/ validates a form, calls `evaluate` and renders the result;
nothing is stored unless the person asks to be contacted (see `views/selfcheck.py`). The questions live in
`selfcheck_content.py`, each with its options from least to most concerning.

The result is information for the person, never a diagnosis or a clinical decision: a clinician's
level-of-care assessment decides. The rules lean towards more care when in doubt.

Rules (every condition is "this answer or a worse one", so a worse answer never leads to less care):

Crisis (`crisis=True`, crisis resources shown before anything else, outcome always "more_intensive"):
  - thoughts of hurting yourself "often" or "a plan or intent now";
  - the same for thoughts of hurting someone else;
  - withdrawal symptoms when stopping alcohol or drugs: withdrawal from alcohol, benzodiazepines and
    some other drugs can cause seizures and can kill; it needs medical care now, not a weekly schedule.

Impairment, from the three "how much do symptoms get in the way" answers (0-3 each, total 0-9):
  - high: any area at 3 ("I can hardly manage") or a total of 6 or more;
  - moderate: any area at 2 or a total of 3 or more;
  - severe everywhere: all three areas at 3.

"more_intensive" (hospital, residential or a day program may be safer right now) when any of:
  M1 crisis;
  M2 no support or not safe at home, with high impairment: IOP relies on the hours at home being safe;
  M3 severe everywhere, with thoughts of harm ("sometimes") or daily / hard-to-control substance use.

Otherwise "iop" (an intensive outpatient program may fit) when any of:
  I1 high impairment;
  I2 stepping down: a partial hospitalization / day program, residential or inpatient stay in the last
     month (IOP is the usual bridge down from those);
  I3 weekly therapy was tried and not enough, with at least moderate impairment;
  I4 thoughts of hurting yourself or someone else "sometimes": more frequent contact than weekly therapy;
  I5 daily or hard-to-control substance use (ASAM level 2.1 is the intensive outpatient level);
  I6 no support or not safe at home, with at least moderate impairment.

Otherwise "outpatient" (outpatient care may be enough).

Being able to attend ~9 hours a week never changes the outcome: it is a practical question, not a
clinical one, and letting it lower the outcome would tell someone who needs more care that less will do.
When the outcome is IOP and the person cannot (or may not) attend, the reasons say so and point to
morning / evening tracks and to the consultation.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .selfcheck_content import QUESTIONS, QUESTIONS_BY_ID

# Stored with the answers of anyone who asks to be contacted; bump when questions, options or rules change.
VERSION = "1"

OUTPATIENT = "outpatient"
IOP = "iop"
MORE_INTENSIVE = "more_intensive"
# Least to most intensive: the order is the meaning.
OUTCOMES: tuple[str, ...] = (OUTPATIENT, IOP, MORE_INTENSIVE)

OUTCOME_TITLES = {
    MORE_INTENSIVE: _("A more intensive level of care may be safer right now"),
    IOP: _("An intensive outpatient program (IOP) may fit"),
    OUTPATIENT: _("Outpatient care may be enough"),
}
OUTCOME_EXPLANATIONS = {
    MORE_INTENSIVE: _(
        "More intensive care means a hospital stay, a residential program or a day program (partial "
        "hospitalization), where help is close at hand for more hours of the day."
    ),
    IOP: _(
        "An IOP gives several hours of therapy a week, in groups and one to one, while you keep living "
        "at home and going to work or school."
    ),
    OUTPATIENT: _(
        "Outpatient care usually means meeting a therapist or counsellor about once a week. If things "
        "get harder, you can always ask about more support."
    ),
}


class SelfCheckError(ValueError):
    """The answers do not fit the questions: an unknown question or option, or a missing answer."""


@dataclass(frozen=True)
class Result:
    crisis: bool
    outcome: str
    reasons: tuple[str, ...]

    @property
    def intensity(self) -> int:
        return OUTCOMES.index(self.outcome)

    @property
    def title(self) -> str:
        return OUTCOME_TITLES[self.outcome]

    @property
    def explanation(self) -> str:
        return OUTCOME_EXPLANATIONS[self.outcome]


def validate(answers: Mapping[str, str]) -> dict[str, str]:
    """The answers as a plain dict, or SelfCheckError when any question is unknown, unanswered or answered
    with an option it does not have."""
    if not isinstance(answers, Mapping):
        raise SelfCheckError("answers must be a mapping of question id to option value")
    unknown = sorted(str(key) for key in answers if key not in QUESTIONS_BY_ID)
    if unknown:
        raise SelfCheckError(f"unknown question(s): {', '.join(unknown)}")
    missing = [question.id for question in QUESTIONS if question.id not in answers]
    if missing:
        raise SelfCheckError(f"unanswered question(s): {', '.join(missing)}")
    for question in QUESTIONS:
        value = answers[question.id]
        if not isinstance(value, str) or value not in question.values:
            raise SelfCheckError(f"{question.id}: unknown option {value!r}")
    return {question.id: answers[question.id] for question in QUESTIONS}


def _at_least(answers: dict[str, str], question_id: str, value: str) -> bool:
    """The answer to `question_id` is `value` or a more concerning one."""
    question = QUESTIONS_BY_ID[question_id]
    return question.rank(answers[question_id]) >= question.rank(value)


def evaluate(answers: Mapping[str, str]) -> Result:
    """Evaluate a complete set of answers (see the module docstring for the rules)."""
    answers = validate(answers)
    impacts = [int(answers[key]) for key in ("impact_work", "impact_relationships", "impact_daily")]
    total, top = sum(impacts), max(impacts)
    high = top == 3 or total >= 6
    moderate = top >= 2 or total >= 3
    severe_everywhere = min(impacts) == 3

    harm_self_now = _at_least(answers, "harm_self", "often")
    harm_others_now = _at_least(answers, "harm_others", "often")
    withdrawal = _at_least(answers, "substance_use", "withdrawal")
    harm_thoughts = _at_least(answers, "harm_self", "sometimes") or _at_least(
        answers, "harm_others", "sometimes"
    )
    heavy_use = _at_least(answers, "substance_use", "daily")
    unsafe_home = _at_least(answers, "home_support", "unsafe")
    crisis = harm_self_now or harm_others_now or withdrawal

    intensive: list[str] = []
    if answers["harm_self"] == "plan":
        intensive.append(
            _(
                "You said you have thoughts of hurting yourself or ending your life, and a plan or "
                "intent to act on them now. Please get help right away: call or text 988, or call 911."
            )
        )
    elif harm_self_now:
        intensive.append(
            _(
                "You said you often have thoughts of hurting yourself or ending your life. You deserve "
                "help today: call or text 988 to talk to someone now."
            )
        )
    if answers["harm_others"] == "plan":
        intensive.append(
            _(
                "You said you have thoughts of hurting someone else, and a plan or intent to act on them "
                "now. Please get help right away: call or text 988, or call 911."
            )
        )
    elif harm_others_now:
        intensive.append(
            _(
                "You said you often have thoughts of hurting someone else. Please talk to someone today: "
                "call or text 988."
            )
        )
    if withdrawal:
        intensive.append(
            _(
                "You said you get withdrawal symptoms when you stop. Withdrawal from alcohol and some "
                "drugs or medicines can be dangerous and may need medical care first."
            )
        )
    if unsafe_home and high:
        intensive.append(
            _(
                "You said you have no support or do not feel safe at home, and your symptoms make it "
                "very hard to manage. Care with more hours of support, or help finding a safe place, "
                "may be safer."
            )
        )
    if severe_everywhere and harm_thoughts:
        intensive.append(
            _(
                "Your symptoms make work or school, relationships and daily life very hard, and you "
                "also have thoughts of hurting yourself or someone else."
            )
        )
    if severe_everywhere and heavy_use:
        intensive.append(
            _(
                "Your symptoms make work or school, relationships and daily life very hard, and you "
                "also use alcohol or drugs every day or find it hard to control."
            )
        )
    if intensive:
        return Result(crisis=crisis, outcome=MORE_INTENSIVE, reasons=tuple(intensive))

    iop: list[str] = []
    if high:
        iop.append(
            _(
                "Your symptoms get in the way of everyday life a lot. An IOP gives several hours of "
                "support a week while you live at home."
            )
        )
    if _at_least(answers, "recent_care", "php"):
        iop.append(
            _(
                "You have been in a hospital, residential or day program in the last month. An IOP is a "
                "common next step down from that care."
            )
        )
    if answers["weekly_therapy"] == "yes" and moderate:
        iop.append(
            _("You tried weekly therapy and it was not enough, and your symptoms still get in the way.")
        )
    if harm_thoughts:
        iop.append(
            _(
                "You sometimes have thoughts of hurting yourself or someone else. Care with more "
                "frequent contact can help. If these thoughts get stronger, call or text 988 at any time."
            )
        )
    if heavy_use:
        iop.append(
            _(
                "You use alcohol or drugs every day or find it hard to control. An IOP can include "
                "treatment for substance use."
            )
        )
    if unsafe_home and moderate:
        iop.append(
            _(
                "You said you have no support or do not feel safe at home, and your symptoms get in the "
                "way. More support during the week can help."
            )
        )
    if iop:
        if answers["can_attend"] == "no":
            iop.append(
                _(
                    "You said you could not attend about 9 hours a week. An IOP may still be what you "
                    "need: ask about morning or evening groups, or about other options, when you talk to "
                    "the program."
                )
            )
        elif answers["can_attend"] == "maybe":
            iop.append(
                _(
                    "You said you might manage about 9 hours a week with some changes. The program can "
                    "talk through times that fit, such as morning or evening groups."
                )
            )
        return Result(crisis=False, outcome=IOP, reasons=tuple(iop))

    return Result(crisis=False, outcome=OUTPATIENT, reasons=_outpatient_reasons(answers, moderate))


def _outpatient_reasons(answers: dict[str, str], moderate: bool) -> tuple[str, ...]:
    reasons = [
        _("Your symptoms get in the way of your life, but you are still managing.")
        if moderate
        else _("Your symptoms get in the way of your life only a little, or not at all."),
        _("You did not mention thoughts of hurting yourself or anyone else."),
    ]
    if answers["weekly_therapy"] == "no":
        reasons.append(_("Weekly therapy has helped you before."))
    elif answers["weekly_therapy"] == "never":
        reasons.append(_("You have not tried weekly therapy yet: it is often a good first step."))
    else:
        reasons.append(
            _(
                "You said weekly therapy was not enough. If it still feels that way, tell the person you "
                "see: more support is possible."
            )
        )
    return tuple(reasons)
