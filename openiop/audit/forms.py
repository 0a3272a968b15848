from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, Outcome


class AuditFilterForm(forms.Form):
    """The audit report's filters. Dates are UTC calendar days, like the times the report shows."""

    date_from = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    user = forms.CharField(label=_("User name contains"), required=False, max_length=150)
    record_number = forms.CharField(label=_("Patient record number"), required=False, max_length=12)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *Action.choices], required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *Outcome.choices], required=False
    )

    def full_clean(self):
        super().full_clean()
        # Screen readers announce the error with the field (the template renders it with this id).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        return data
