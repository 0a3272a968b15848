"""Forms of the portal's "care" part: marking homework done and logging skills practice, in plain words.

The rules of what is valid live in the skills services (the same ones staff use); these forms only shape
the input and say what is missing in short sentences.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.skills.models import DISTRESS_MAX, DISTRESS_MIN

DATE = forms.DateInput(attrs={"type": "date"})
SITUATION_MAX = 500


class HomeworkDoneForm(forms.Form):
    note = forms.CharField(
        label=_("How did it go? (you can leave this empty)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )


def _distress_field(label):
    return forms.IntegerField(
        label=label,
        min_value=DISTRESS_MIN,
        max_value=DISTRESS_MAX,
        help_text=_("0 means no distress. 10 means the most you can imagine."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Choose a number from 0 to 10."),
            "min_value": _("Choose a number from 0 to 10."),
            "max_value": _("Choose a number from 0 to 10."),
            "invalid": _("Choose a number from 0 to 10."),
        },
    )


class PracticeForm(forms.Form):
    """One time the patient used a skill. `skill` is "lesson:<uuid>" or "module:<uuid>"; lessons the
    patient has had come first, then the whole curriculum."""

    skill = forms.ChoiceField(label=_("Which skill did you use?"), required=False)
    skill_text = forms.CharField(
        label=_("Or say the skill in your own words"), max_length=200, required=False
    )
    situation = forms.CharField(
        label=_("What was happening?"),
        max_length=SITUATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a few words about what was happening.")},
    )
    distress_before = _distress_field(_("How upset were you before? (0 to 10)"))
    distress_after = _distress_field(_("How upset were you after? (0 to 10)"))
    practiced_on = forms.DateField(
        label=_("When?"), widget=DATE, error_messages={"required": _("Choose the day.")}
    )

    def __init__(self, *args, had_lessons=(), modules=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose a skill"))]
        if had_lessons:
            choices.append(
                (
                    _("Lessons you have had"),
                    [(f"lesson:{lesson.uuid}", lesson.title) for lesson in had_lessons],
                )
            )
        for module in modules:
            options = [(f"module:{module.uuid}", _("%(module)s (in general)") % {"module": module.title})]
            options += [(f"lesson:{lesson.uuid}", lesson.title) for lesson in module.lessons.all()]
            choices.append((module.title, options))
        self.fields["skill"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("skill") and not (cleaned.get("skill_text") or "").strip():
            self.add_error("skill", _("Choose a skill, or write it in your own words."))
        return cleaned
