"""Forms of the calendar pages. They validate input only; the services check the rules again and save."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openiop.core import widgets

from .models import AttendanceStatus
from .services import attendance_minutes

DATE = forms.DateInput(attrs={"type": "date"})


class WeekForm(forms.Form):
    week = forms.DateField(label=_("Week of"), widget=DATE, required=False)


class GenerateForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None, to_field_name="uuid")
    week = forms.DateField(widget=DATE)

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Shown on the calendar to everyone who sees the session."),
    )


class RosterChangeForm(forms.Form):
    """Add someone to a recurring group's roster, or take them off, from a date. `episodes` are the ones
    the page offers; the date is today or later, so sessions that already happened keep their roster."""

    LABELS = {
        "add": (_("Patient to add"), _("Joins from")),
        "remove": (_("Member to remove"), _("Leaves from")),
    }

    episode = forms.ModelChoiceField(queryset=None, to_field_name="uuid")
    effective = forms.DateField(widget=DATE)

    def __init__(self, *args, action: str, episodes, today, **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        self.today = today
        self.fields["episode"].label, self.fields["effective"].label = self.LABELS[action]
        self.fields["episode"].queryset = episodes
        self.fields["episode"].label_from_instance = lambda episode: episode.patient.display_name
        self.fields["effective"].initial = today

    def clean_effective(self):
        effective = self.cleaned_data["effective"]
        if effective < self.today:
            raise ValidationError(
                _("Choose today or a later date: sessions that took place keep their roster.")
            )
        return effective


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example: Thanksgiving."))


class AttendanceRowForm(forms.Form):
    """One booked person's row. `episode` (a UUID) ties the row to its booking, never the row's position:
    a roster changed between showing and saving the screen must not record one person as another."""

    # Python-rendered widgets (core/widgets.py): the same HTML, without a template per widget, because a
    # group's screen has four of them a row.
    episode = forms.UUIDField(widget=widgets.HiddenInput)
    status = forms.ChoiceField(label=_("Attendance"), choices=AttendanceStatus.choices, widget=widgets.Select)
    minutes_attended = forms.IntegerField(
        label=_("Minutes attended"),
        min_value=0,
        required=False,
        widget=widgets.NumberInput(attrs={"size": 4}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False, widget=widgets.TextInput)

    def __init__(self, *args, length: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.length = length
        self.fields["minutes_attended"].max_value = length
        self.fields["minutes_attended"].widget.attrs["max"] = length

    def clean(self):
        data = super().clean()
        if "status" in data and not self.has_error("minutes_attended"):
            try:
                data["minutes_attended"] = attendance_minutes(
                    data["status"], data.get("minutes_attended"), self.length
                )
            except ValidationError as error:
                self.add_error("minutes_attended", error)
        return data


AttendanceFormSet = forms.formset_factory(AttendanceRowForm, extra=0)


def attendance_formset(attendees, *, length: int, data=None, mark_all_present: bool = False):
    """The screen's formset: one row per attendee, in the order given.

    With `mark_all_present`, every row is shown as present for the full length (notes kept), not saved:
    the facilitator then changes the exceptions and saves once.
    """
    initial = [
        {
            "episode": a.episode.uuid,
            "status": a.status,
            "minutes_attended": a.minutes_attended,
            "note": a.note,
        }
        for a in attendees
    ]
    if mark_all_present:
        notes = {}
        if data is not None:
            bound = AttendanceFormSet(data, initial=initial, form_kwargs={"length": length})
            for form in bound.forms:
                form.is_valid()
                if "episode" in form.cleaned_data:
                    notes[form.cleaned_data["episode"]] = form.cleaned_data.get("note", "")
        for row in initial:
            row.update(
                status=AttendanceStatus.PRESENT,
                minutes_attended=length,
                note=notes.get(row["episode"], row["note"]),
            )
        return AttendanceFormSet(initial=initial, form_kwargs={"length": length})
    return AttendanceFormSet(data, initial=initial, form_kwargs={"length": length})
