"""Forms of the plan pages. Fields come from the plan's structure: a textarea per list section (one line
per entry) and a few rows of name / phone (/ hours) per contacts section. The content rules live in
content.py; the form only gathers the input and places each message next to its section."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .content import clean_content
from .structure import Section, Structure

SPARE_ROWS = 2  # blank contact rows offered under the filled ones (no script needed to add one)
MIN_ROWS = 3


def _rows_for(section: Section, entries: list) -> int:
    return min(section.max_items, max(MIN_ROWS, len(entries) + SPARE_ROWS))


class PlanForm(forms.Form):
    """The draft's content and the save it started from (`version`, for the optimistic check)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, structure: Structure, content: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.structure = structure
        self.content = None
        self.section_errors: dict[str, list[str]] = {}
        self.rows: dict[str, int] = {}
        for section in structure.sections:
            entries = content.get(section.id, [])
            if section.is_contacts:
                rows = _rows_for(section, entries)
                if self.is_bound:
                    # Keep every row the person sent (a stale or invalid save must lose nothing).
                    sent = {key for key in self.data if key.startswith(f"{section.id}-")}
                    rows = max(
                        rows, *(int(key.split("-")[1]) + 1 for key in sent if key.split("-")[1].isdigit()), 0
                    )
                    rows = min(rows, section.max_items + SPARE_ROWS)
                self.rows[section.id] = rows
                for i in range(rows):
                    entry = entries[i] if i < len(entries) else {}
                    self._contact_fields(section, i, entry)
            else:
                self.fields[section.id] = forms.CharField(
                    label=section.title,
                    required=False,
                    help_text=f"{section.prompt} {section.help}".strip(),
                    initial="\n".join(entries),
                    widget=forms.Textarea(attrs={"rows": max(3, min(len(entries) + 1, 8)), "cols": 60}),
                )

    def _contact_fields(self, section: Section, i: int, entry: dict) -> None:
        n = i + 1
        self.fields[f"{section.id}-{i}-name"] = forms.CharField(
            label=_("Name %(n)s") % {"n": n}, required=False, initial=entry.get("name", ""), max_length=200
        )
        self.fields[f"{section.id}-{i}-phone"] = forms.CharField(
            label=_("Phone %(n)s") % {"n": n},
            required=False,
            initial=entry.get("phone", ""),
            max_length=60,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        )
        if section.hours:
            self.fields[f"{section.id}-{i}-hours"] = forms.CharField(
                label=_("Hours %(n)s") % {"n": n},
                required=False,
                initial=entry.get("hours", ""),
                max_length=120,
            )

    def contact_rows(self, section: Section) -> list[list]:
        """The bound fields of each contact row of `section`, for the template."""
        keys = ("name", "phone", "hours") if section.hours else ("name", "phone")
        return [[self[f"{section.id}-{i}-{key}"] for key in keys] for i in range(self.rows[section.id])]

    def blocks(self) -> list[dict]:
        """The form section by section, for the template: a textarea, or a table of contact rows."""
        blocks = []
        for section in self.structure.sections:
            block = {"section": section, "errors": self.section_errors.get(section.id, [])}
            if section.is_contacts:
                block["rows"] = self.contact_rows(section)
            else:
                block["field"] = self[section.id]
            blocks.append(block)
        return blocks

    def summary(self) -> list[tuple[str, str, list[str]]]:
        """(id of the field to go to, section title, messages) for the error summary."""
        items = [("", "", self.section_errors["__all__"])] if "__all__" in self.section_errors else []
        for section in self.structure.sections:
            messages = self.section_errors.get(section.id)
            if messages:
                field = section.id if not section.is_contacts else f"{section.id}-0-name"
                items.append((self[field].id_for_label, section.title, messages))
        return items

    def raw_content(self) -> dict:
        data = self.cleaned_data
        raw: dict = {}
        for section in self.structure.sections:
            if section.is_contacts:
                raw[section.id] = [
                    {key: data.get(f"{section.id}-{i}-{key}", "") or "" for key in ("name", "phone", "hours")}
                    for i in range(self.rows[section.id])
                ]
            else:
                raw[section.id] = data.get(section.id, "") or ""
        return raw

    def clean(self):
        cleaned = super().clean()
        content, errors = clean_content(self.structure, self.raw_content())
        for section_id, messages in errors.items():
            if section_id in self.fields:  # a textarea: the message goes under it
                for message in messages:
                    self.add_error(section_id, message)
            elif section_id == "__all__":
                for message in messages:
                    self.add_error(None, message)
            else:  # a table of contacts: the message goes above the table, the form is invalid
                self.add_error(None, forms.ValidationError(messages, code=section_id))
            self.section_errors[section_id] = messages
        self.content = content
        return cleaned


class SignForm(forms.Form):
    """The patient signs in person, in front of the signed-in clinician, who signs too."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    patient_name = forms.CharField(
        label=_("Patient's full name, typed by the patient"),
        max_length=160,
        help_text=_("The patient types their first and last name as their signature."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    patient_signed_on = forms.DateField(
        label=_("Date the patient signed"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    witnessed = forms.BooleanField(
        label=_(
            "I went through this plan with the patient, who agreed to it and typed their name in front of me. "
            "I sign it as their clinician."
        ),
        required=True,
        error_messages={
            "required": _("Confirm that you witnessed the patient's signature and sign as clinician.")
        },
    )

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_signed_on"].initial = today or timezone.localdate()
