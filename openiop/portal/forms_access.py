"""Forms of the portal's "access" part: inviting (staff), accepting an invitation, portal settings."""

from django import forms
from django.utils.translation import gettext_lazy as _


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The invitation link goes here. It is saved on the record."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class AcceptForm(forms.Form):
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        help_text=_("We check it to make sure this link is yours."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
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


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("en", "English"), ("es", "Español")],
        widget=forms.RadioSelect,
    )
