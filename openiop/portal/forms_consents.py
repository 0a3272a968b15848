"""Forms of the portal's "consents" part: the patient signs a consent their team prepared for them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.safety.content import name_matches


class ConsentSignatureForm(forms.Form):
    """Typing their full name is the act of signing (as for the plan): it must be the name on their record,
    so a slip or a person at someone else's phone does not sign by ticking a box. `version` is the consent's
    `updated_at` when the page was shown: a consent changed meanwhile is read again before it is signed."""

    version = forms.CharField(widget=forms.HiddenInput)
    signed_name = forms.CharField(
        label=_("Type your full name"),
        max_length=160,
        help_text=_("First and last name, as on your record."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    attested = forms.BooleanField(
        label=_("I have read this consent and I agree to it."),
        error_messages={"required": _("Tick the box to say you have read the consent.")},
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_signed_name(self) -> str:
        typed = self.cleaned_data["signed_name"]
        patient = self.patient
        if not name_matches(
            typed,
            given=patient.legal_given_name,
            family=patient.legal_family_name,
            preferred=patient.preferred_name,
        ):
            raise forms.ValidationError(_("This name does not match the name on your record."))
        return " ".join(typed.split())
