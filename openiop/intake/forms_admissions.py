"""Forms for admission, waitlist, level transitions and certification. They validate input only; the
services in `services/admissions.py` check the clinical rules and save. Field names match the services'
keyword arguments, so a service's ValidationError maps back onto the form's fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LevelOfCare, Urgency
from .selectors_admissions import (
    admission_staff_among,
    program_clinicians,
    program_psychiatrists,
    tracks_with_census,
)
from .services.admissions import STEP_DOWN_FROM_LEVELS

DATE = forms.DateInput(attrs={"type": "date"})
STEP_DOWN_CHOICES = [("", _("Not stepping down"))] + [
    (value, label) for value, label in LevelOfCare.choices if value in STEP_DOWN_FROM_LEVELS
]


class TrackChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, track):
        return _("%(name)s (%(days)s %(start)s–%(end)s): %(taken)s of %(capacity)s places taken") % {
            "name": track.name,
            "days": track.days_label,
            "start": track.start_time.strftime("%H:%M"),
            "end": track.end_time.strftime("%H:%M"),
            "taken": getattr(track, "taken", "?"),
            "capacity": track.capacity,
        }


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member by uuid. When the form sets `choose_from` (the eligible users among the submitted
    values, fetched once for all its staff fields), cleaning looks the value up there, not in a query."""

    choose_from: dict | None = None

    def label_from_instance(self, user):
        return user.display_name

    def key_of(self, value):
        """The value as the model field holds it; an unparsable one raises the model field's own
        ValidationError, as `queryset.get()` would in `ModelChoiceField.to_python`."""
        if isinstance(value, self.queryset.model):
            value = getattr(value, self.to_field_name)
        return self.queryset.model._meta.get_field(self.to_field_name).to_python(value)

    def to_python(self, value):
        if self.choose_from is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        try:
            return self.choose_from[self.key_of(value)]
        except (KeyError, TypeError):
            # The message and code of ModelChoiceField.to_python.
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class AdmissionForm(forms.Form):
    track = TrackChoiceField(queryset=None, to_field_name="uuid")
    admitted_on = forms.DateField(label=_("Admission date"), widget=DATE)
    primary_clinician = StaffChoiceField(label=_("Primary clinician"), queryset=None, to_field_name="uuid")
    psychiatrist = StaffChoiceField(
        label=_("Psychiatrist"),
        queryset=None,
        to_field_name="uuid",
        required=False,
        empty_label=_("None yet"),
    )
    stepping_down_from = forms.ChoiceField(
        label=_("Stepping down from"),
        choices=STEP_DOWN_CHOICES,
        required=False,
        help_text=_("Only when the person comes to IOP from a more intensive level of care."),
    )
    from_setting = forms.CharField(label=_("From which organization"), max_length=160, required=False)
    transition_reason = forms.CharField(
        label=_("Reason for the step down"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, episode, **kwargs):
        super().__init__(*args, **kwargs)
        program = episode.program
        self.fields["track"].queryset = tracks_with_census(program)
        self.fields["primary_clinician"].queryset = program_clinicians(program)
        self.fields["psychiatrist"].queryset = program_psychiatrists(program)
        if self.is_bound:
            self._resolve_staff(program)
        self.fields["admitted_on"].initial = timezone.localdate()
        self.fields["track"].initial = episode.track.uuid if episode.track_id else None
        members = {m.role: m.user for m in episode.care_team_members.select_related("user")}
        for role in ("primary_clinician", "psychiatrist"):
            if role in members:
                self.fields[role].initial = members[role].uuid

    def _resolve_staff(self, program):
        """Look up both submitted staff members in one query; each field then validates against it."""
        keys = []
        for name in ("primary_clinician", "psychiatrist"):
            value = self[name].data
            if value in self.fields[name].empty_values:
                continue
            try:
                keys.append(self.fields[name].key_of(value))
            except (ValidationError, TypeError):
                continue  # the field reports it when it is cleaned
        clinicians, psychiatrists = admission_staff_among(program, keys)
        self.fields["primary_clinician"].choose_from = clinicians
        self.fields["psychiatrist"].choose_from = psychiatrists


class WaitlistForm(forms.Form):
    track = TrackChoiceField(queryset=None, to_field_name="uuid", required=False, empty_label=_("Any track"))
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.ROUTINE)
    stepping_down_from = forms.ChoiceField(
        label=_("Stepping down from"),
        choices=STEP_DOWN_CHOICES,
        required=False,
        help_text=_("People stepping down from a more intensive level come first on the waitlist."),
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000)

    def __init__(self, *args, episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = tracks_with_census(episode.program)
        entry = getattr(episode, "waitlist_entry", None)
        if entry is not None and entry.removed_at is None:
            self.initial.update(
                track=entry.track.uuid if entry.track_id else None,
                urgency=entry.urgency,
                stepping_down_from=entry.stepping_down_from,
                note=entry.note,
            )


class TransitionForm(forms.Form):
    from_level = forms.ChoiceField(
        label=_("From level"), choices=LevelOfCare.choices, initial=LevelOfCare.INTENSIVE_OUTPATIENT
    )
    to_level = forms.ChoiceField(label=_("To level"), choices=LevelOfCare.choices)
    on = forms.DateField(label=_("Date of the change"), widget=DATE)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    from_setting = forms.CharField(label=_("From (organization or program)"), max_length=160, required=False)
    to_setting = forms.CharField(label=_("To (organization or program)"), max_length=160, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class CertificationForm(forms.Form):
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"), max_digits=4, decimal_places=1, min_value=0, max_value=40
    )
    certified_on = forms.DateField(label=_("Certification date"), widget=DATE)
    statement = forms.CharField(
        label=_("Statement of need"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the person needs this intensity of care, in a sentence or two."),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours_per_week"].initial = program.weekly_hours_target
        self.fields["certified_on"].initial = timezone.localdate()


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: dict errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ProgramFilterForm(forms.Form):
    """Which of the user's programs a list shows."""

    program = forms.ModelChoiceField(queryset=None, to_field_name="uuid", empty_label=None)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
