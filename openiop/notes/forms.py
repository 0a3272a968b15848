"""Forms of the notes pages. They validate input only; the services check the rules again and save."""

from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import INDIVIDUAL_TYPES, NoteType
from .note_formats import NoteFormat
from .registry import DEFAULT_FORMAT_ID, current_formats

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NO_NAMES_HELP = _(
    "Shared by everyone who attended: it appears in every attendee's chart. Do not name or describe any "
    "patient here; write about a person in their own entry below."
)


def apply_service_errors(form, error: ValidationError, *, prefix_map=None) -> None:
    """Show a service's refusal on the form: each message at its field when the form has it."""
    prefix_map = prefix_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        name = prefix_map.get(key, key)
        if key.startswith("content."):
            name = "section_" + key.removeprefix("content.")
        form.add_error(name if name in form.fields else None, messages)


class NoteStartForm(forms.Form):
    """The first step of a new note: which kind, which format, and which session (if any) it documents."""

    note_type = forms.ChoiceField(
        label=_("Note type"), choices=[(value, NoteType(value).label) for value in INDIVIDUAL_TYPES]
    )
    format_id = forms.ChoiceField(label=_("Format"))
    session = forms.ModelChoiceField(
        label=_("Session documented"),
        queryset=None,
        to_field_name="uuid",
        required=False,
        empty_label=_("No session (enter the date and times)"),
        help_text=_("Sessions this person attended in the last 30 days."),
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format_id"].choices = [(f.id, f.title) for f in current_formats()]
        self.fields["format_id"].initial = DEFAULT_FORMAT_ID
        self.fields["note_type"].initial = NoteType.INDIVIDUAL
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: (
            f"{s.date:%Y-%m-%d} {s.start_time:%H:%M}–{s.end_time:%H:%M} · {s.session_type.name}"
        )


class NoteForm(forms.Form):
    """A note's text, one field per section of its format, and the service's date and times when the note
    documents no session. `version` carries the draft's version the editor started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    date_of_service = forms.DateField(label=_("Date of service"), widget=DATE, required=False)
    start_time = forms.TimeField(label=_("Start time"), widget=TIME, required=False)
    end_time = forms.TimeField(label=_("End time"), widget=TIME, required=False)

    def __init__(self, *args, note_format: NoteFormat, with_times: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.note_format = note_format
        if not with_times:
            for name in ("date_of_service", "start_time", "end_time"):
                del self.fields[name]
        for section in note_format.sections:
            self.fields[f"section_{section.key}"] = forms.CharField(
                label=section.label,
                help_text=section.help,
                required=False,  # a draft may be incomplete; signing needs the required sections
                max_length=section.max_length,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
            )
            self.fields[f"section_{section.key}"].required_to_sign = section.required

    def section_fields(self):
        return [self[f"section_{section.key}"] for section in self.note_format.sections]

    def content(self) -> dict:
        return {s.key: self.cleaned_data.get(f"section_{s.key}", "") for s in self.note_format.sections}


class VersionForm(forms.Form):
    """Sign a draft: the version the signer read, so they sign exactly what they saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=10_000,
        help_text=_("Signed with your name and the time when you save it; it cannot be changed afterwards."),
    )


class GroupNoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, help_text=NO_NAMES_HELP)
    interventions = forms.CharField(
        label=_("Interventions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Modalities and techniques used with the group. Name no patient."),
    )
    group_process = forms.CharField(
        label=_("Group process"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("How the group worked together: themes, cohesion, conflicts. Name no patient."),
    )


class GroupEntryForm(forms.Form):
    """One attendee's entry. `episode` (a UUID) ties the row to the attendee, never the row's position."""

    episode = forms.UUIDField(widget=forms.HiddenInput)
    participation = forms.CharField(
        label=_("Participation"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 40})
    )
    mood_affect = forms.CharField(
        label=_("Mood and affect"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 40})
    )
    progress = forms.CharField(
        label=_("Progress toward objectives"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )
    plan_next = forms.CharField(
        label=_("Plan for next session"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 40})
    )
    objectives = forms.TypedMultipleChoiceField(
        label=_("Plan objectives addressed"),
        required=False,
        coerce=UUID,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, objectives_by_episode=None, **kwargs):
        super().__init__(*args, **kwargs)
        episode = self.initial.get("episode")
        objectives = (objectives_by_episode or {}).get(episode, [])
        self.fields["objectives"].choices = [(str(o.uuid), str(o.text)) for o in objectives]


GroupEntryFormSet = forms.formset_factory(GroupEntryForm, extra=0)


class ProcessNoteForm(forms.Form):
    written_on = forms.DateField(label=_("Date"), widget=DATE)
    text = forms.CharField(
        label=_("Process note"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text=_(
            "Your own working notes about the therapy. Only you can ever read them; they are not part "
            "of the record, the chart, any export or the patient's copy."
        ),
    )
