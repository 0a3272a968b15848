"""Forms of the portal's "family" part: the patient's consent for a family member, and the family
member's acceptance of the invitation."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FamilyGrantForm(forms.Form):
    name = forms.CharField(label=_("Their name"), max_length=120)
    relationship = forms.CharField(
        label=_("How they are related to you"), max_length=60, help_text=_("For example: mother, partner.")
    )
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("We send them a link to set up their account."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    consented = forms.BooleanField(label=_("I agree to the statement above."), required=False)
    typed_name = forms.CharField(
        label=_("Type your full name to sign"), max_length=200, required=False, strip=True
    )


class FamilyAcceptForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("The one this invitation was sent to."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 12 characters. Do not use your name or email."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned
