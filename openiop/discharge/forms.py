"""Discharge forms: start/edit, aftercare appointment, waiver, close. Validation of domain rules is in
services.py; forms only parse input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.coordination.models import Provider
from openiop.intake.models import LevelOfCare

from . import checklist
from .models import Discharge, Requirement

DATE = forms.DateInput(attrs={"type": "date"})


class DischargeForm(forms.ModelForm):
    # The version the page was read at; sent back so a save from a stale page is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Discharge
        fields = [
            "reason",
            "reason_detail",
            "planned_on",
            "to_level",
            "to_setting",
            "support_groups",
            "crisis_plan",
        ]
        widgets = {
            "planned_on": DATE,
            "reason_detail": forms.Textarea(attrs={"rows": 3}),
            "support_groups": forms.Textarea(attrs={"rows": 3}),
            "crisis_plan": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"to_level": _("Only for a step up or step down: the level the person moves to.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = [("", "—")] + [
            (value, label)
            for value, label in LevelOfCare.choices
            if value != LevelOfCare.INTENSIVE_OUTPATIENT
        ]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AftercareForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    provider = forms.ModelChoiceField(
        label=_("Provider from the directory"),
        queryset=Provider.objects.filter(active=True).order_by("name", "organization", "id"),
        required=False,
        to_field_name="uuid",
    )
    provider_name = forms.CharField(
        label=_("Or the provider's name (not in the directory)"), max_length=160, required=False
    )
    purpose = forms.CharField(label=_("What for"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    is_telehealth = forms.BooleanField(label=_("Telehealth"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)


class WaiverForm(forms.Form):
    requirement = forms.ChoiceField(label=_("Requirement"), choices=Requirement.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why this part cannot be done (at least %(n)s characters), e.g. the person left and cannot be reached."
        )
        % {"n": checklist.MIN_WAIVER_REASON},
    )


class CloseForm(forms.Form):
    on = forms.DateField(label=_("Day of discharge"), widget=DATE)


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form: each message at its field, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
