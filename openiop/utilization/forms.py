"""Authorization forms, the end form, the review range and the program list's filters. Domain rules are
validated in services.py (and review.range_problem); forms only parse input."""

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from openiop.core import widgets

from . import review
from .models import PayerAuthorization

# Written in Python rather than through the widget templates: the review range shows on every chart.
DATE = widgets.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


FIELDS = ["payer", "number", "unit", "authorized", "starts_on", "ends_on", "notes"]


class AuthorizationForm(forms.Form):
    """The authorization's fields (a plain form built from the model's fields: the service validates and
    saves, so the form never touches the instance)."""

    # The version the page was read at; sent back so a save from a stale page is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: PayerAuthorization | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial", {**model_to_dict(instance, fields=FIELDS), "version": instance.version}
            )
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                PayerAuthorization,
                fields=FIELDS,
                widgets={"starts_on": DATE, "ends_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})},
                help_texts={
                    "unit": _(
                        "Hours count the minutes attended as the weekly ledger does; sessions count sessions "
                        "attended; a program day is a date with at least one attended session."
                    ),
                },
            )
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS}


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it ends"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the payer withdrew it, the person left the program, it was entered in error."),
    )


class ReviewRangeForm(forms.Form):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (the names the PDF's address uses)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("First day"), widget=DATE)
        self.fields["to"] = forms.DateField(label=_("Last day"), widget=DATE)

    def clean(self):
        data = super().clean()
        if "from" in data and "to" in data:
            problem = review.range_problem(data["from"], data["to"])
            if problem:
                self.add_error("to", problem)
        return data


class ListFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label=_("All my programs"),
    )
    alert = forms.BooleanField(label=_("Only those needing attention"), required=False)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form: each message at its field, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
