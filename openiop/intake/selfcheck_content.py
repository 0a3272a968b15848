"""The questions of the public "Is IOP right for me?" self-check (/check/), as data.

Written for OpenIOP in plain language; not taken from any instrument. Each question's options are listed
from the least to the most concerning answer: the evaluation (`selfcheck.py`) relies on that order, and
its property tests check that a worse answer never leads to less care.

Changing a question, an option or its order changes what stored answers mean: bump `VERSION` in
`selfcheck.py` when you do.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    options: tuple[Option, ...]
    help: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def rank(self, value: str) -> int:
        """0 for the least concerning answer, rising with concern."""
        return self.values.index(value)


def _impact_options() -> tuple[Option, ...]:
    return (
        Option("0", _("Not at all")),
        Option("1", _("A little")),
        Option("2", _("Quite a lot")),
        Option("3", _("So much that I can hardly manage")),
    )


def _harm_options() -> tuple[Option, ...]:
    return (
        Option("none", _("No")),
        Option("sometimes", _("Sometimes")),
        Option("often", _("Often")),
        Option("plan", _("Yes, and I have a plan or intend to act on them now")),
    )


QUESTIONS: tuple[Question, ...] = (
    Question(
        "impact_work",
        _(
            "In the last two weeks, how much have your symptoms (such as low mood, worry, "
            "drinking or drug use) got in the way of work or school?"
        ),
        _impact_options(),
    ),
    Question(
        "impact_relationships",
        _("How much have they got in the way of your relationships with family, friends or a partner?"),
        _impact_options(),
    ),
    Question(
        "impact_daily",
        _(
            "How much have they got in the way of daily life, such as sleeping, eating, getting up "
            "or looking after yourself and your home?"
        ),
        _impact_options(),
    ),
    Question(
        "harm_self",
        _("Have you had thoughts of hurting yourself or of ending your life?"),
        _harm_options(),
    ),
    Question(
        "harm_others",
        _("Have you had thoughts of hurting someone else?"),
        _harm_options(),
    ),
    Question(
        "recent_care",
        _("In the last month, what is the most care you have received for these concerns?"),
        (
            # Least to most intensive: a stay in more intensive care marks a step down to IOP.
            Option("none", pgettext_lazy("self-check: care received", "None")),
            Option("outpatient", _("Outpatient therapy or counselling")),
            Option("php", _("A partial hospitalization or day program")),
            Option("residential", _("A residential program")),
            Option("inpatient", _("A stay in a psychiatric or detox hospital unit")),
        ),
    ),
    Question(
        "home_support",
        _("Where you live, do you have people who support you, and do you feel safe there?"),
        (
            Option("safe", _("Yes, I feel safe and supported")),
            Option("some", _("Some support, but not much")),
            Option("unsafe", _("No support, or I do not feel safe at home")),
        ),
    ),
    Question(
        "substance_use",
        _("How much alcohol or drugs (including medicines not taken as prescribed) do you use?"),
        (
            Option("none", pgettext_lazy("self-check: amount used", "None")),
            Option("some", _("Some, and I can control it")),
            Option("daily", _("Every day, or it is hard to control")),
            Option(
                "withdrawal",
                _(
                    "When I stop I get withdrawal symptoms such as shakes, sweating, seeing things or seizures"
                ),
            ),
        ),
    ),
    Question(
        "can_attend",
        _(
            "An IOP usually takes about 9 hours a week, for example three 3-hour sessions. Could you "
            "attend that around your work, school and family?"
        ),
        (
            Option("yes", _("Yes")),
            Option("maybe", _("Maybe, with some changes")),
            Option("no", _("No")),
        ),
    ),
    Question(
        "weekly_therapy",
        _("Have you tried weekly therapy, and was it not enough?"),
        (
            Option("no", _("I tried it and it helped")),
            Option("never", _("I have never tried weekly therapy")),
            Option("yes", _("Yes, I tried it and it was not enough")),
        ),
    ),
)

QUESTIONS_BY_ID: dict[str, Question] = {question.id: question for question in QUESTIONS}

# The questions shown together under one heading on the page, in order.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_("How things are going"), ("impact_work", "impact_relationships", "impact_daily")),
    (_("Safety"), ("harm_self", "harm_others")),
    (_("Care and support"), ("recent_care", "home_support", "substance_use")),
    (_("Fitting a program into your week"), ("can_attend", "weekly_therapy")),
)
