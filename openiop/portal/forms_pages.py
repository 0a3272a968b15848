"""Forms of the portal's "pages" part: the patient's own signature on their treatment plan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.treatment.services.signatures import _names_match


class PlanSignatureForm(forms.Form):
    """The patient signs with their own account. Typing their full name is the act of signing; it must be
    the name on their record (legal or preferred first name, with the family name) so that a slip, or a
    person at someone else's phone, does not sign by ticking a box. `version` pins the version read: if the
    team changed the plan meanwhile, the patient reads the new one first."""

    version = forms.UUIDField(widget=forms.HiddenInput)
    signed_name = forms.CharField(
        label=_("Type your full name"),
        max_length=160,
        help_text=_("First and last name, as on your record."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    attested = forms.BooleanField(
        label=_("I have read this plan and I agree to it."),
        error_messages={"required": _("Tick the box to say you have read the plan.")},
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_signed_name(self) -> str:
        typed = self.cleaned_data["signed_name"]
        if not _names_match(typed, self.patient):
            raise forms.ValidationError(_("This name does not match the name on your record."))
        return " ".join(typed.split())
