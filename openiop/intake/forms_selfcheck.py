"""Forms of the public self-check (/check/): the questions, and the request to be contacted.

The answers travel from the result page to the contact request in one signed hidden field (`token`), so
they cannot be changed in between, and carry the time the result was shown: a request sent within a few
seconds of that (a bot) or hours later (a page left open on a shared computer) is refused.
"""

import re
import time
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from openiop.programs.models import Program

from . import selfcheck
from .selfcheck_content import QUESTIONS, SECTIONS

TOKEN_SALT = "openiop.intake.selfcheck.answers"


class _ErrorsDescribed:
    """Point each invalid control at its error message (`id_<name>_error`), for screen readers."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                ids = [attrs.get("aria-describedby", ""), f"id_{name}_error"]
                attrs["aria-describedby"] = " ".join(filter(None, ids))


class SelfCheckForm(forms.Form):
    """One radio group per question, built from `selfcheck_content.QUESTIONS`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.id] = forms.ChoiceField(
                label=question.text,
                choices=[(option.value, option.label) for option in question.options],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please choose an answer."),
                    "invalid_choice": _("Please choose an answer."),
                },
            )

    def sections(self):
        """(heading, [bound field, ...]) in page order."""
        return [(title, [self[question_id] for question_id in ids]) for title, ids in SECTIONS]

    def answers(self) -> dict[str, str]:
        return {question.id: self.cleaned_data[question.id] for question in QUESTIONS}


# --- The signed answers ----------------------------------------------------------------------------


class BadToken(Exception):
    """The signed answers were altered, cut short or made for another questionnaire version."""


@dataclass(frozen=True)
class SignedAnswers:
    answers: dict[str, str]
    age_seconds: float


def sign_answers(answers: dict[str, str], *, now: float | None = None) -> str:
    shown_at = time.time() if now is None else now
    return signing.dumps(
        {"a": answers, "t": shown_at, "v": selfcheck.VERSION}, salt=TOKEN_SALT, compress=True
    )


def read_answers(token: str, *, now: float | None = None) -> SignedAnswers:
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        if payload["v"] != selfcheck.VERSION:
            raise BadToken("questionnaire version changed")
        answers = selfcheck.validate(payload["a"])
        shown_at = float(payload["t"])
    except (signing.BadSignature, selfcheck.SelfCheckError, KeyError, TypeError, ValueError) as error:
        raise BadToken(str(error)) from error
    return SignedAnswers(answers=answers, age_seconds=(time.time() if now is None else now) - shown_at)


# --- The request to be contacted -------------------------------------------------------------------


class _TrapInput(forms.TextInput):
    """The honeypot never shows what was typed into it, so a person whose browser filled it in by
    mistake can simply send the form again."""

    def format_value(self, value):
        return None


_PHONE = re.compile(r"^\+?[\d\s().-]{7,30}$")


class ConsultationForm(_ErrorsDescribed, forms.Form):
    given_name = forms.CharField(label=_("First name"), max_length=80)
    family_name = forms.CharField(label=_("Last name"), max_length=80)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    program = forms.ModelChoiceField(
        label=_("Program you are interested in"),
        queryset=Program.objects.none(),
        to_field_name="uuid",
        empty_label=_("Choose a program"),
    )
    best_time_to_contact = forms.CharField(
        label=_("Best time to contact you"),
        max_length=120,
        required=False,
        help_text=_("For example: weekday mornings, or after 5 pm."),
    )
    consent = forms.BooleanField(
        label=_("I agree that the program may store my answers and contact me"),
        error_messages={
            "required": _(
                "To be contacted, tick the box to agree that the program may store your answers and "
                "contact you. Without it, nothing is stored."
            )
        },
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=_TrapInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, too_fast: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_fast = too_fast
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["program"].queryset = Program.objects.active()

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(_("Enter a phone number, for example 555-123-4567."))
        return phone

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors:
            if "email" not in self.errors:
                self.add_error(
                    "phone", _("Give a phone number or an email address (or both) so we can reach you.")
                )
        if self.data.get("website"):
            raise forms.ValidationError(
                _("We could not send your request. Please check your details and send it again.")
            )
        if self.too_fast:
            raise forms.ValidationError(
                _("That was quicker than we expected. Please wait a few seconds and send it again.")
            )
        return data

    def contact(self) -> dict[str, str]:
        """The contact details as `referral_create_from_self_check` takes them."""
        return {
            key: self.cleaned_data[key].strip()
            for key in ("given_name", "family_name", "phone", "email", "best_time_to_contact")
        }
