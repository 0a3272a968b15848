"""The compliance lists' filters: program, track, kind, owner and status (also the CSV export's).

The program is looked up among every program, not only the ones offered: asking for a program one may not
read is refused (403, audited) by the view rather than passed off as a typo.
"""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.accounts.models import User
from openiop.programs.models import Program, Track

from . import compliance as core

LATE = "late"
STATUS_CHOICES = [
    ("", _("Every status")),
    (LATE, _("Overdue only (past the due date, or notes unsigned 24 hours after the service)")),
    (core.DUE_TODAY, _("Due today")),
    (core.DUE_SOON, _("Due within 7 days")),
    (core.PAST_72H, _("Notes unsigned more than 72 hours after the service")),
]
FILTERS = ("program", "track", "kind", "owner", "status")


def _uuid(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class ComplianceFilterForm(forms.Form):
    """Fields `program`, `track` and `owner` (uuids), `kind` and `status`; all but the program optional."""

    def __init__(self, data=None, *, programs):
        programs = list(programs)
        if data is None or not data.get("program"):
            data = {key: (data or {}).get(key, "") for key in FILTERS}
            data["program"] = str(programs[0].uuid) if programs else ""
        super().__init__(data)
        tracks = (
            Track.objects.filter(program__in=programs)
            .select_related("program")
            .order_by("program__name", "name")
        )
        owners = (
            User.objects.filter(staff_profile__programs__in=programs, is_active=True)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["program"] = forms.CharField(
            label=_("Program"), widget=forms.Select(choices=[(str(p.uuid), p.name) for p in programs])
        )
        self.fields["track"] = forms.CharField(
            label=_("Track"),
            required=False,
            widget=forms.Select(choices=[("", _("Every track"))] + [(str(t.uuid), str(t)) for t in tracks]),
        )
        self.fields["kind"] = forms.ChoiceField(
            label=_("List"),
            required=False,
            choices=[("", _("Every list"))] + [(k, core.KIND_LABELS[k]) for k in core.KINDS],
        )
        self.fields["owner"] = forms.CharField(
            label=_("Owner"),
            required=False,
            widget=forms.Select(
                choices=[("", _("Everyone"))]
                + [(str(u.uuid), u.get_full_name() or u.username) for u in owners]
            ),
        )
        self.fields["status"] = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def full_clean(self):
        super().full_clean()
        # Screen readers announce the error with the field (the template renders it with this id).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean_program(self):
        key = _uuid(self.cleaned_data["program"])
        program = Program.objects.filter(uuid=key).first() if key else None
        if program is None:
            raise forms.ValidationError(_("Choose a program from the list."))
        return program

    def clean_owner(self):
        value = self.cleaned_data["owner"]
        if not value:
            return None
        key = _uuid(value)
        owner = User.objects.filter(uuid=key).first() if key else None
        if owner is None:
            raise forms.ValidationError(_("Choose an owner from the list."))
        return owner

    def clean(self):
        data = super().clean()
        value = data.get("track")
        if value:
            key = _uuid(value)
            track = Track.objects.filter(uuid=key).first() if key else None
            if track is None:
                self.add_error("track", _("Choose a track from the list."))
            elif data.get("program") is not None and track.program_id != data["program"].pk:
                self.add_error("track", _("This track is not part of the chosen program."))
            else:
                data["track"] = track
        else:
            data["track"] = None
        return data
