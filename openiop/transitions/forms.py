from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.coordination.models import Provider, Purpose

from .packet import DISCHARGE, KINDS

PDF, FHIR = "pdf", "fhir"
DOWNLOAD, DIRECT = "download", "direct"


class MedicationForm(forms.Form):
    name = forms.CharField(label=_("Medication"), max_length=120)
    dose = forms.CharField(label=_("Dose"), max_length=60, required=False, help_text=_("e.g. 50 mg"))
    directions = forms.CharField(
        label=_("How taken"), max_length=160, required=False, help_text=_("e.g. once a day at night")
    )
    prescriber = forms.CharField(label=_("Prescriber"), max_length=120, required=False)
    started_on = forms.DateField(
        label=_("Started on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MedicationStopForm(forms.Form):
    stopped_on = forms.DateField(label=_("Stopped on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Why stopped"), max_length=200)


class PacketForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Transition"), choices=[(k, v) for k, v in KINDS.items()], initial=DISCHARGE
    )
    recipient = forms.ModelChoiceField(
        label=_("Send to"), queryset=Provider.objects.filter(active=True), to_field_name="uuid"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.TREATMENT)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(PDF, _("PDF document")), (FHIR, _("FHIR R4 document bundle (JSON)"))],
        initial=PDF,
    )
    delivery = forms.ChoiceField(
        choices=[(DOWNLOAD, _("Download")), (DIRECT, _("Send by Direct"))], required=False
    )

    def clean(self):
        data = super().clean()
        data["delivery"] = data.get("delivery") or DOWNLOAD
        recipient = data.get("recipient")
        if data["delivery"] == DIRECT and recipient is not None and not recipient.direct_address:
            self.add_error(
                "recipient", _("This provider has no Direct address in the directory: download instead.")
            )
        return data
