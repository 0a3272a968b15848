"""Forms of the plan pages other than the editor (editor.py): signatures, reasons, reviews, settings.

Forms validate input only; the services apply the rules and save.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import MAX_REVIEW_INTERVAL_DAYS, MIN_REVIEW_INTERVAL_DAYS, Progress, ReviewOutcome


class DateInput(forms.DateInput):
    input_type = "date"


class StaffSignatureForm(forms.Form):
    attested = forms.BooleanField(
        label=_("I have reviewed this plan and agree with it."),
        error_messages={"required": _("Confirm the statement to sign.")},
    )


class PatientSignatureForm(forms.Form):
    signed_name = forms.CharField(
        label=_("Patient's full name, as they signed"),
        max_length=160,
        help_text=_("Typed by you as the patient signs in front of you."),
    )
    signed_on = forms.DateField(label=_("Date signed"), widget=DateInput)
    attested = forms.BooleanField(
        label=_(
            "The patient read this plan (or had it read to them), agreed to it and signed in my presence."
        ),
        error_messages={"required": _("Confirm that you witnessed the signature.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    """Progress on each objective of the plan, then what changed and what happens to the plan."""

    reviewed_on = forms.DateField(label=_("Date of the review"), widget=DateInput)
    summary = forms.CharField(
        label=_("What changed since the last review"), widget=forms.Textarea(attrs={"rows": 4})
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewOutcome.choices, widget=forms.RadioSelect)

    def __init__(self, *args, objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()
        self.objectives = list(objectives)
        self.rows = []
        for objective in self.objectives:
            name = f"progress_{objective.uuid}"
            note = f"note_{objective.uuid}"
            self.fields[name] = forms.ChoiceField(
                label=_("Progress"),
                choices=Progress.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose met, progressing, no change or worse.")},
            )
            self.fields[note] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.rows.append((objective, name, note))

    def progress_rows(self):
        return [(objective, self[name], self[note]) for objective, name, note in self.rows]

    def progress(self) -> dict:
        return {
            str(objective.uuid): (self.cleaned_data[name], self.cleaned_data[note])
            for objective, name, note in self.rows
        }


class ProgramSettingsForm(forms.Form):
    review_interval_days = forms.IntegerField(
        label=_("Review plans every (days)"),
        min_value=MIN_REVIEW_INTERVAL_DAYS,
        max_value=MAX_REVIEW_INTERVAL_DAYS,
        help_text=_("Applies to plans started from now on. Default 30."),
    )
