"""Forms validate input; services save (and re-check the clinical rules)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Category, ConsentKind, Provider, ProviderRole, Purpose, SignatureMethod
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
    expires_at_discharge = forms.BooleanField(
        label=_("Expires when the patient is discharged from the program"),
        required=False,
        help_text=_(
            "The system ends the consent at the discharge of the patient's current stay (or on the date above, "
            "if that comes first)."
        ),
    )
    expiry_event = forms.CharField(
        label=_("Or expires on another event"),
        max_length=200,
        required=False,
        help_text=_(
            "In the patient's words. The system does not check it: before each disclosure, make sure it has not "
            "happened."
        ),
    )
    revocation_explained = forms.BooleanField(
        label=_(
            "I explained to the patient that they may revoke this consent at any time, except for what was already disclosed in reliance on it."
        ),
        error_messages={"required": _("Explain the right to revoke to the patient, then confirm it here.")},
    )
    signature_method = forms.ChoiceField(
        label=_("How will it be signed?"),
        choices=SignatureMethod.choices,
        initial=SignatureMethod.ON_SCREEN,
        widget=forms.RadioSelect,
        required=False,  # the API records on-screen consents only and does not send it
    )
    signed_name = forms.CharField(
        label=_("Patient's full name, as signed"),
        max_length=160,
        required=False,  # required unless the patient signs in the portal (clean)
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "On screen, the patient types their first and last name as their signature. On paper, type the name the patient signed."
        ),
    )
    signed_on = forms.DateField(
        label=_("Date the patient signed"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,  # required unless the patient signs in the portal (clean)
    )
    witnessed = forms.BooleanField(
        label=_(
            "Signed on screen: the patient read this consent and typed their name in front of me; I witness their signature."
        ),
        required=False,  # required when signed on screen (clean)
    )
    scan = forms.FileField(
        label=_("Scan of the signed paper form"),
        required=False,
        help_text=_("PDF, PNG or JPEG, at most 10 MB."),
    )
    received_by = forms.CharField(
        label=_("Who received the signed paper form"),
        max_length=160,
        required=False,
        help_text=_("The staff member the patient handed the signed form to."),
    )

    # What the form asks beyond the consent itself: attestations and how it was signed.
    NOT_CONSENT_FIELDS = ("revocation_explained", "witnessed", "signature_method", "scan", "received_by")

    def __init__(self, *args, program_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["disclosing_party"].initial = program_name

    def clean(self):
        data = super().clean()
        data["signature_method"] = data.get("signature_method") or SignatureMethod.ON_SCREEN
        if data["signature_method"] == SignatureMethod.PORTAL:
            return data  # the patient types their name and the date is the day they sign
        if not (data.get("signed_name") or "").strip():
            self.add_error("signed_name", _("Type the patient's full name, as signed."))
        if data.get("signed_on") is None and "signed_on" not in self.errors:
            self.add_error("signed_on", _("Give the date the patient signed."))
        if data["signature_method"] == SignatureMethod.ON_SCREEN:
            if not data.get("witnessed"):
                self.add_error("witnessed", _("Confirm that you witnessed the patient's signature."))
        else:
            if not data.get("scan"):
                self.add_error("scan", _("Upload the scan of the signed paper form."))
            if not (data.get("received_by") or "").strip():
                self.add_error("received_by", _("Say who received the signed paper form."))
        return data

    @property
    def signed_on_paper(self) -> bool:
        return self.cleaned_data.get("signature_method") == SignatureMethod.PAPER

    @property
    def for_portal(self) -> bool:
        return self.cleaned_data.get("signature_method") == SignatureMethod.PORTAL

    def consent_fields(self) -> dict:
        """The cleaned data the consent services take (`consent_record`; without the signature for
        `consent_prepare_for_portal`)."""
        skipped = self.NOT_CONSENT_FIELDS + (("signed_name", "signed_on") if self.for_portal else ())
        return {k: v for k, v in self.cleaned_data.items() if k not in skipped}


class ExternalMemberEndForm(forms.Form):
    ended_on = forms.DateField(
        label=_("Ended on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Why it ended"),
        max_length=200,
        help_text=_("For example: the patient moved; care transferred to another prescriber."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()


class RevokeForm(forms.Form):
    note = forms.CharField(
        label=_("How the patient revoked"),
        max_length=300,
        help_text=_("For example: in writing, handed to the front desk; or by phone to their clinician."),
    )


class RecipientChoiceField(forms.ModelChoiceField):
    """Providers, with their Direct address when they have one: those can receive by Direct."""

    def label_from_instance(self, obj):
        if obj.direct_address:
            return _("%(provider)s · Direct: %(address)s") % {"provider": obj, "address": obj.direct_address}
        return str(obj)


class SummaryForm(forms.Form):
    recipient = RecipientChoiceField(
        label=_("Send to"), queryset=Provider.objects.filter(active=True), to_field_name="uuid"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.TREATMENT)
    include_plan = forms.BooleanField(
        label=_("Include the active treatment plan goals"), required=False, initial=True
    )
    delivery = forms.ChoiceField(
        choices=[("download", _("Download the PDF")), ("direct", _("Send by Direct"))], required=False
    )

    def clean(self):
        data = super().clean()
        data["delivery"] = data.get("delivery") or "download"
        recipient = data.get("recipient")
        if data["delivery"] == "direct" and recipient is not None and not recipient.direct_address:
            self.add_error(
                "recipient",
                _("This provider has no Direct address in the directory: download the PDF instead."),
            )
        return data
