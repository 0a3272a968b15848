"""Forms of the skills pages. They validate input only; the services check the domain rules again and save."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .curriculum import MAX_TITLE
from .models import DISTRESS_MAX, DISTRESS_MIN, HomeworkStatus

DATE = forms.DateInput(attrs={"type": "date"})
LINES_HELP = _("One per line.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: each message at its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class VersionedForm(forms.Form):
    # The version the edit started from (optimistic concurrency); a stale save is refused by the service.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the module is for, in a sentence or two."),
    )


class ModuleEditForm(VersionedForm, ModuleForm):
    pass


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=5,
        max_value=240,
        required=False,
        help_text=_("Usual length of the lesson in a group, if it has one."),
    )
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}), help_text=LINES_HELP
    )
    outline = forms.CharField(
        label=_("Outline"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The steps of the session, one per line."),
    )
    exercise = forms.CharField(label=_("In-session exercise"), widget=forms.Textarea(attrs={"rows": 4}))
    homework = forms.CharField(
        label=_("Homework"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Prefilled when this lesson's homework is given to a patient."),
    )

    def clean_objectives(self):
        return lines(self.cleaned_data["objectives"])

    def clean_outline(self):
        return lines(self.cleaned_data["outline"])


class LessonEditForm(VersionedForm, LessonForm):
    pass


def lesson_initial(lesson) -> dict:
    return {
        "title": lesson.title,
        "minutes": lesson.minutes,
        "objectives": "\n".join(lesson.objectives),
        "outline": "\n".join(lesson.outline),
        "exercise": lesson.exercise,
        "homework": lesson.homework,
        "version": lesson.version,
    }


class SessionLessonForm(forms.Form):
    lesson = forms.ChoiceField(label=_("Lesson taught"), required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].choices = [("", _("— No lesson —")), *choices]


class SessionHomeworkForm(forms.Form):
    attendees = forms.MultipleChoiceField(label=_("Give it to"), widget=forms.CheckboxSelectMultiple)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    instructions = forms.CharField(
        label=_("Homework"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The lesson's homework; adapt it for this group if needed."),
    )

    def __init__(self, *args, attendees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [
            (str(a.episode.uuid), a.episode.patient.display_name) for a in attendees
        ]


class HomeworkForm(forms.Form):
    lesson = forms.ChoiceField(
        label=_("From a lesson"), required=False, help_text=_("Leave empty for free homework.")
    )
    title = forms.CharField(
        label=_("Title"), max_length=MAX_TITLE, required=False, help_text=_("Defaults to the lesson's title.")
    )
    instructions = forms.CharField(
        label=_("What to do"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Defaults to the lesson's homework."),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].choices = [("", _("— Free homework —")), *choices]


class HomeworkOutcomeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[
            (s.value, s.label) for s in (HomeworkStatus.DONE, HomeworkStatus.PARTLY, HomeworkStatus.NOT_DONE)
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when partly or not done: what got in the way?"),
    )
    completed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)


class PracticeForm(forms.Form):
    practiced_on = forms.DateField(label=_("Date practised"), widget=DATE)
    skill = forms.ChoiceField(label=_("Skill from the curriculum"), required=False)
    skill_text = forms.CharField(
        label=_("Or the skill in the person's own words"), max_length=200, required=False
    )
    situation = forms.CharField(label=_("Situation"), widget=forms.Textarea(attrs={"rows": 3}))
    distress_before = forms.IntegerField(
        label=_("Distress before (0–10)"),
        min_value=DISTRESS_MIN,
        max_value=DISTRESS_MAX,
        help_text=_("0 = none, 10 = the most."),
    )
    distress_after = forms.IntegerField(
        label=_("Distress after (0–10)"), min_value=DISTRESS_MIN, max_value=DISTRESS_MAX
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        # A module as a whole ("Distress tolerance") or one of its lessons.
        choices = [("", _("— Choose a skill —"))]
        for module in modules:
            options = [
                (f"module:{module.uuid}", _("%(module)s (the module in general)") % {"module": module.title})
            ]
            options += [(f"lesson:{lesson.uuid}", lesson.title) for lesson in module.lessons.all()]
            choices.append((module.title, options))
        self.fields["skill"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("skill") and not (cleaned.get("skill_text") or "").strip():
            self.add_error("skill", _("Choose a skill from the curriculum or describe it in a few words."))
        return cleaned
