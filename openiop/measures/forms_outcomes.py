"""The outcomes page's filters: program, instrument and period (also the CSV export's)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.core import widgets

# Outcomes are read over at most this many days: a longer period mixes programs that have changed.
MAX_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD_DAYS = 90
# Depression is the outcome most IOPs report first (and the one with response and remission rules).
DEFAULT_INSTRUMENT = "PHQ-9"


class OutcomeFilterForm(forms.Form):
    """Fields `program` (uuid), `instrument` (code), `from` and `to` (dates, both included)."""

    def __init__(self, data=None, *, programs, instruments, today: datetime.date):
        programs = list(programs)
        if data is None or not any(data.get(k) for k in ("program", "instrument", "from", "to")):
            data = {
                "program": str(programs[0].uuid) if programs else "",
                "instrument": next(
                    (i.code for i in instruments if i.code == DEFAULT_INSTRUMENT),
                    instruments[0].code if instruments else "",
                ),
                "from": (today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat(),
                "to": today.isoformat(),
            }
        super().__init__(data)
        self.today = today
        self.programs = {str(p.uuid): p for p in programs}
        # Widgets written in Python (core/widgets.py): every view of the page renders these filters.
        self.fields["program"] = forms.ChoiceField(
            label=_("Program"), choices=[(str(p.uuid), p.name) for p in programs], widget=widgets.Select
        )
        self.fields["instrument"] = forms.ChoiceField(
            label=_("Instrument"),
            choices=[(i.code, f"{i.code} — {i.title_in()}") for i in instruments],
            widget=widgets.Select,
        )
        self.fields["from"] = forms.DateField(
            label=_("From"), widget=widgets.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(label=_("To"), widget=widgets.DateInput(attrs={"type": "date"}))

    def full_clean(self):
        super().full_clean()
        # Screen readers announce the error with the field (the template renders it with this id).
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
        if data.get("program"):
            data["program"] = self.programs[data["program"]]
        return data
