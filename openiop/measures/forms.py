"""Forms of the measures pages. They gather input and place each message at its field; the rules (what a
valid answer is, duplicates, who acts on an alert) live in services.py."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .due import ScheduleRule
from .instrument_schema import Instrument
from .models import ClosingAction, Occasion
from .services import SCHEDULED_OCCASIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SEX_CHOICES = [
    ("", _("Not recorded (the more cautious cut-off applies)")),
    ("female", _("Female")),
    ("male", _("Male")),
]


def item_field_name(key: str) -> str:
    return f"item_{key}"


class AdministrationForm(forms.Form):
    """A paper form typed in: one radio group per item (texts in the chosen language), the day the patient
    completed it and when it was given. Unanswered required items must be confirmed as left blank."""

    completed_on = forms.DateField(label=_("Date completed"), widget=DATE)
    occasion = forms.ChoiceField(label=_("Given"), choices=Occasion.choices, initial=Occasion.ON_DEMAND)
    confirm_missing = forms.BooleanField(
        label=_("The unanswered items were left blank on the paper form"), required=False
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Save anyway: the patient really completed this form twice"), required=False
    )

    def __init__(self, instrument: Instrument, language: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.language = language
        self.fields["completed_on"].initial = timezone.localdate()
        self.fields["language"] = forms.CharField(widget=forms.HiddenInput, initial=language)
        if any(rule.context for rule in instrument.scoring.flags):
            self.fields["sex"] = forms.ChoiceField(
                label=_("Sex (used by this instrument's cut-offs)"), choices=SEX_CHOICES, required=False
            )
        for item in instrument.items:
            self.fields[item_field_name(item.key)] = forms.TypedChoiceField(
                label=item.text[language],
                choices=[(option.value, option.label[language]) for option in item.options],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    @property
    def item_rows(self):
        """(item, bound field) in form order, for the template."""
        return [(item, self[item_field_name(item.key)]) for item in self.instrument.items]

    def answers(self) -> dict:
        return {item.key: self.cleaned_data.get(item_field_name(item.key)) for item in self.instrument.items}

    def context(self) -> dict:
        sex = self.cleaned_data.get("sex")
        return {"sex": sex} if sex else {}

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date completed cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        answers = {key: value for key, value in self.answers().items()}
        if not any(value is not None for value in answers.values()):
            raise forms.ValidationError(_("Answer at least one item: an empty form is not recorded."))
        blank = [item.key for item in self.instrument.items if item.required and answers[item.key] is None]
        if blank and not data.get("confirm_missing"):
            self.blank_items = blank
            raise forms.ValidationError(
                _(
                    "Items %(items)s are unanswered. Choose the answer the patient gave, or tick "
                    "“The unanswered items were left blank on the paper form”."
                )
                % {"items": ", ".join(blank)}
            )
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Place a service's ValidationError messages: "answers.9" at item 9, others at their field."""
        for field, messages in errors.items():
            name = field
            if field.startswith("answers."):
                name = item_field_name(field.split(".", 1)[1])
            if name not in self.fields:
                name = None
            for message in messages:
                self.add_error(name, message)


class InErrorForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was it entered in error?"),
        help_text=_("For example: entered on the wrong patient; the answers were typed from another form."),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
    )


class CloseAlertForm(forms.Form):
    action = forms.ChoiceField(
        label=_("What was done"), choices=ClosingAction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("What you did, what you found and what happens next. Required."),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=4000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A blank required field gets the clinical reason, not Django's "This field is required."
        self.fields["action"].error_messages["required"] = _("Choose what was done about the alert.")
        self.fields["note"].error_messages["required"] = _(
            "Write a note: what you did, what you found and what happens next."
        )


WEEKDAYS = [
    (str(n), label)
    for n, label in enumerate(
        [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    )
]


class SchedulesForm(forms.Form):
    """For each instrument: at admission, weekly (and on which weekday), at discharge."""

    def __init__(self, instruments, current: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        for instrument in instruments:
            code = instrument.code
            chosen = current.get(code, {})
            self.fields[f"{code}__admission"] = forms.BooleanField(
                label=_("At admission"), required=False, initial=Occasion.ADMISSION in chosen
            )
            self.fields[f"{code}__weekly"] = forms.BooleanField(
                label=_("Weekly"), required=False, initial=Occasion.WEEKLY in chosen
            )
            weekly = chosen.get(Occasion.WEEKLY)
            self.fields[f"{code}__weekday"] = forms.TypedChoiceField(
                label=_("on"),
                choices=[("", _("choose a day")), *WEEKDAYS],
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(weekly.weekday) if weekly else "",
            )
            self.fields[f"{code}__discharge"] = forms.BooleanField(
                label=_("At discharge"), required=False, initial=Occasion.DISCHARGE in chosen
            )

    @property
    def rows(self):
        return [
            (
                instrument,
                [
                    self[f"{instrument.code}__{part}"]
                    for part in ("admission", "weekly", "weekday", "discharge")
                ],
            )
            for instrument in self.instruments
        ]

    def clean(self):
        data = super().clean()
        for instrument in self.instruments:
            code = instrument.code
            if data.get(f"{code}__weekly") and data.get(f"{code}__weekday") is None:
                self.add_error(
                    f"{code}__weekday", _("Choose the weekday for the weekly %(code)s.") % {"code": code}
                )
        return data

    def rules(self) -> list[ScheduleRule]:
        wanted = []
        for instrument in self.instruments:
            code = instrument.code
            for occasion in SCHEDULED_OCCASIONS:
                if self.cleaned_data.get(f"{code}__{occasion}"):
                    weekday = (
                        self.cleaned_data.get(f"{code}__weekday") if occasion == Occasion.WEEKLY else None
                    )
                    wanted.append(ScheduleRule(code, occasion, weekday))
        return wanted


class OnCallForm(forms.Form):
    clinician = forms.ModelChoiceField(label=_("On call"), queryset=None, empty_label=_("Choose who"))
    first_day = forms.DateField(label=_("From"), widget=DATE)
    last_day = forms.DateField(label=_("To (included)"), widget=DATE)

    def __init__(self, staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = staff
        self.fields["clinician"].label_from_instance = lambda user: user.display_name
        today = timezone.localdate()
        self.fields["first_day"].initial = today
        self.fields["last_day"].initial = today + datetime.timedelta(days=6)


class AbsenceForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Who is away"), queryset=None, empty_label=_("Choose who"))
    starts_on = forms.DateField(label=_("First day away"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day away"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=120,
        help_text=_("Short and non-clinical, e.g. “Annual leave” or “Training”."),
    )

    def __init__(self, staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff
        self.fields["user"].label_from_instance = lambda user: user.display_name
