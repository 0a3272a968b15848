"""Forms validate input; services save (and re-check the clinical rules)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Category, ConsentKind, Provider, ProviderRole, Purpose
from .npi import npi_valid


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "role", "organization", "phone", "direct_address", "npi", "active"]

    def clean_npi(self):
        npi = self.cleaned_data["npi"].strip().replace(" ", "")
        if npi and not npi_valid(npi):
            raise forms.ValidationError(
                _(
                    "This is not a valid NPI: 10 digits whose last digit checks the others (Luhn). Check it on the NPPES registry."
                )
            )
        return npi


class ExternalMemberForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Provider.objects.filter(active=True), to_field_name="uuid"
    )
    role = forms.ChoiceField(label=_("Role for this patient"), choices=ProviderRole.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of consent"), choices=ConsentKind.choices, initial=ConsentKind.PART2
    )
    disclosing_party = forms.CharField(
        label=_("Who may disclose"), max_length=200, required=False, help_text=_("The program, by name.")
    )
    recipient = forms.ModelChoiceField(
        label=_("Recipient (a named provider or organization)"),
        queryset=Provider.objects.filter(active=True),
        to_field_name="uuid",
        required=False,
    )
    tpo = forms.BooleanField(
        label=_(
            "Instead of a named recipient: a single consent for all future treatment, payment and health care operations"
        ),
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=_("Information that may be disclosed"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("SUD counselling notes need a consent of their own, covering nothing else."),
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purpose"),
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A consent for legal proceedings cannot be combined with another purpose."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expiry_event = forms.CharField(
        label=_("Or expires on this event"),
        max_length=200,
        required=False,
        help_text=_("For example: discharge from the program."),
    )
    revocation_explained = forms.BooleanField(
        label=_(
            "I explained to the patient that they may revoke this consent at any time, except for what was already disclosed in reliance on it."
        ),
        error_messages={"required": _("Explain the right to revoke to the patient, then confirm it here.")},
    )
    signed_name = forms.CharField(
        label=_("Patient's full name, typed by the patient"),
        max_length=160,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("The patient types their first and last name as their signature."),
    )
    signed_on = forms.DateField(
        label=_("Date the patient signed"), widget=forms.DateInput(attrs={"type": "date"})
    )
    witnessed = forms.BooleanField(
        label=_(
            "The patient read this consent and typed their name in front of me; I witness their signature."
        ),
        error_messages={"required": _("Confirm that you witnessed the patient's signature.")},
    )

    def __init__(self, *args, program_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["disclosing_party"].initial = program_name


class RevokeForm(forms.Form):
    note = forms.CharField(
        label=_("How the patient revoked"),
        max_length=300,
        help_text=_("For example: in writing, handed to the front desk; or by phone to their clinician."),
    )


class SummaryForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Send to"), queryset=Provider.objects.filter(active=True), to_field_name="uuid"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.TREATMENT)
    include_plan = forms.BooleanField(
        label=_("Include the active treatment plan goals"), required=False, initial=True
    )
