"""The dashboard's filters (also the people lists', the CSV exports' and the monthly report's)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.scheduling.ledger import week_start_of

# A longer period mixes programs that have changed, and keeps the page fast.
MAX_PERIOD_DAYS = 3 * 366
DEFAULT_WEEKS = 12
ALL_TRACKS = ""


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last 12 full weeks and the current one so far: from the Monday 12 weeks back to today."""
    return week_start_of(today) - datetime.timedelta(weeks=DEFAULT_WEEKS), today


class DashboardFilterForm(forms.Form):
    """Fields `program` (uuid), `track` (uuid or "" for all), `from` and `to` (dates, both included)."""

    def __init__(self, data=None, *, programs, tracks, today: datetime.date):
        programs = list(programs)
        if data is None or not any(data.get(k) for k in ("program", "track", "from", "to")):
            start, end = default_period(today)
            data = {
                "program": str(programs[0].uuid) if programs else "",
                "track": ALL_TRACKS,
                "from": start.isoformat(),
                "to": end.isoformat(),
            }
        super().__init__(data)
        self.today = today
        self.programs = {str(p.uuid): p for p in programs}
        self.tracks = {str(t.uuid): t for t in tracks if str(t.program.uuid) in self.programs}
        self.fields["program"] = forms.ChoiceField(
            label=_("Program"), choices=[(str(p.uuid), p.name) for p in programs]
        )
        self.fields["track"] = forms.ChoiceField(
            label=_("Track"),
            required=False,
            choices=[(ALL_TRACKS, _("All tracks"))]
            + [(uuid, f"{t.program.short_name} · {t.name}") for uuid, t in self.tracks.items()],
        )
        self.fields["from"] = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end:
            if end < start:
                self.add_error("to", _("The end of the period must not be before its start."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("to", _("Choose a period of three years or less."))
        if start and start > self.today:
            self.add_error("from", _("The period must start today or earlier."))
        program = self.programs.get(data.get("program") or "")
        data["program"] = program
        track = self.tracks.get(data.get("track") or "")
        if track is not None and program is not None and track.program_id != program.pk:
            self.add_error("track", _("Choose a track of the chosen program, or all tracks."))
        data["track"] = track
        return data


class MonthForm(forms.Form):
    """The monthly report: a program and a month (YYYY-MM), not after the current month."""

    def __init__(self, data=None, *, programs, today: datetime.date):
        programs = list(programs)
        if data is None or not data.get("month"):
            previous = today.replace(day=1) - datetime.timedelta(days=1)
            data = {
                "program": (data or {}).get("program") or (str(programs[0].uuid) if programs else ""),
                "month": f"{previous:%Y-%m}",
            }
        super().__init__(data)
        self.today = today
        self.programs = {str(p.uuid): p for p in programs}
        self.fields["program"] = forms.ChoiceField(
            label=_("Program"), choices=[(str(p.uuid), p.name) for p in programs]
        )
        self.fields["month"] = forms.CharField(
            label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
        )

    def clean_month(self):
        text = self.cleaned_data["month"]
        try:
            year, month = text.split("-")
            if len(year) != 4 or len(month) != 2:
                raise ValueError(text)
            first = datetime.date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None
        if first > self.today:
            raise forms.ValidationError(_("Choose this month or an earlier one."))
        return first

    def clean(self):
        data = super().clean()
        data["program"] = self.programs.get(data.get("program") or "")
        return data

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        first = self.cleaned_data["month"]
        following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return first, following - datetime.timedelta(days=1)
