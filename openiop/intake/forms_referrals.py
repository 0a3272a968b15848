"""Forms of the referral pages. They validate; services save."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.patients.models import Language
from openiop.programs.models import Program

from .models import ALLOWED_TRANSITIONS, Referral, ReferralSource, ReferralStatus, Urgency
from .services.referrals import MAX_DOCUMENT_BYTES, sniff_document_type

# Admission opens an episode of care: it happens on the admission page, never as a plain status change.
NOT_OFFERED = {ReferralStatus.ADMITTED}
NEEDS_NOTE = {ReferralStatus.REFERRED_ELSEWHERE, ReferralStatus.DECLINED}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input. Each is checked as referral_document_add will check it (size, and the
    real type from its first bytes), so every bad file is named at once and nothing is saved."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, (list, tuple)) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        errors = []
        for upload in uploads:
            super().clean(upload, initial)
            problem = document_problem(upload)
            if problem:
                errors.append(forms.ValidationError(f"{upload.name}: {problem}"))
        if errors:
            raise forms.ValidationError(errors)
        return uploads


def document_problem(upload) -> str | None:
    """Why referral_document_add would refuse this upload, or None."""
    if upload.size > MAX_DOCUMENT_BYTES:
        return str(_("The file is larger than 10 MB."))
    head = upload.read(16)
    upload.seek(0)
    if sniff_document_type(head) is None:
        return str(_("Only PDF, PNG and JPEG files can be attached."))
    return None


DOCUMENTS_HELP = _("PDF, PNG or JPEG, at most 10 MB each. You can choose several files.")


class ReferralCreateForm(forms.ModelForm):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), to_field_name="uuid")
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.ENGLISH
    )
    documents = MultipleFileField(label=_("Documents"), required=False, help_text=DOCUMENTS_HELP)

    class Meta:
        model = Referral
        fields = [
            "source",
            "given_name",
            "family_name",
            "date_of_birth",
            "phone",
            "email",
            "best_time_to_contact",
            "referring_provider",
            "referring_organization",
            "referring_contact",
            "reason",
            "urgency",
        ]
        labels = {
            "source": _("Referral source"),
            "best_time_to_contact": _("Best time to contact"),
            "referring_provider": _("Referring provider"),
            "referring_organization": _("Referring organization"),
            "reason": _("Reason for referral"),
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "reason": forms.Textarea(attrs={"rows": 4}),
        }

    field_order = ["program"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.active().filter(staff_profiles__user=user)
        self.fields["program"].queryset = programs
        if len(programs) == 1:
            self.fields["program"].initial = programs[0].uuid

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return born


class ReferralFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none(), required=False, to_field_name="uuid"
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any source"))] + list(ReferralSource.choices), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("Any urgency"))] + list(Urgency.choices), required=False
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(staff_profiles__user=user)
        self.fields["program"].empty_label = _("All my programs")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date is before the start date."))
        return cleaned


class ReferralTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Move to"), choices=(), widget=forms.RadioSelect)
    assessment_at = forms.DateTimeField(
        label=_("Assessment date and time"),
        required=False,
        help_text=_("Needed when the assessment is booked."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for referred elsewhere and declined: say why."),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        order = list(ReferralStatus)
        allowed = sorted(ALLOWED_TRANSITIONS[referral.status] - NOT_OFFERED, key=order.index)
        self.fields["to_status"].choices = [(s.value, s.label) for s in (ReferralStatus(a) for a in allowed)]

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["to_status"].choices)

    def error_field_for(self, to_status: str) -> str | None:
        """Where a service refusal belongs in the form: next to the field the person must fill."""
        if to_status == ReferralStatus.ASSESSMENT_BOOKED:
            return "assessment_at"
        if to_status in NEEDS_NOTE:
            return "note"
        return None


class DocumentUploadForm(forms.Form):
    documents = MultipleFileField(label=_("Add documents"), help_text=DOCUMENTS_HELP)


class LinkExistingForm(forms.Form):
    patient = forms.UUIDField(widget=forms.HiddenInput)


class NewPatientFromReferralForm(forms.Form):
    """Register the referred person as a new patient. When patients of the same name and birth date exist,
    the person must say this is someone else (or link instead): nothing is duplicated silently."""

    legal_given_name = forms.CharField(label=_("Legal first name"), max_length=80)
    legal_family_name = forms.CharField(label=_("Legal last name"), max_length=80)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    duplicate_confirmed = forms.BooleanField(
        label=_("This is a different person from the possible matches listed above"), required=False
    )

    def __init__(self, *args, has_matches: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_matches = has_matches

    @classmethod
    def initial_from(cls, referral: Referral) -> dict:
        language = referral.preferred_language if referral.preferred_language in Language.values else "other"
        return {
            "legal_given_name": referral.given_name,
            "legal_family_name": referral.family_name,
            "date_of_birth": referral.date_of_birth,
            "phone": referral.phone,
            "email": referral.email,
            "language": language,
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        if born < timezone.localdate() - datetime.timedelta(days=366 * 120):
            raise forms.ValidationError(_("Check the year: that would make the person older than 120."))
        return born

    def clean(self):
        cleaned = super().clean()
        if self.has_matches and not cleaned.get("duplicate_confirmed"):
            self.add_error(
                "duplicate_confirmed",
                _("Possible matches exist: link to one of them, or tick this box if this is someone else."),
            )
        return cleaned
