import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openiop.accounts.models import Role, User
from openiop.core import widgets
from openiop.programs.models import Program, Track

from .models import BreakGlassAccess, EpisodeStatus, Patient
from .services import possible_duplicates


class PatientSearchForm(forms.Form):
    """The patient list's filters. Every list and search renders them, so their widgets write their HTML in
    Python (core/widgets.py): through the templates, the options of the two lists were a quarter of the
    page's time."""

    q = forms.CharField(
        label=_("Name or record number"), required=False, max_length=100, widget=widgets.TextInput
    )
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none(), required=False, widget=widgets.Select
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status"))] + list(EpisodeStatus.choices),
        required=False,
        widget=widgets.Select,
    )
    clinician = forms.ModelChoiceField(
        label=_("Care team member"), queryset=User.objects.none(), required=False, widget=widgets.Select
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.filter(staff_profiles__user=user)
        self.fields["program"].queryset = programs
        self.fields["program"].empty_label = _("All my programs")
        self.fields["clinician"].queryset = User.objects.filter(
            role__in=[Role.CLINICIAN, Role.PSYCHIATRIST], staff_profile__programs__in=programs, is_active=True
        ).distinct()
        self.fields["clinician"].empty_label = _("Anyone")
        self.fields["clinician"].to_field_name = "uuid"
        self.fields["program"].to_field_name = "uuid"


class PatientCreateForm(forms.ModelForm):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), to_field_name="uuid")
    track = forms.ModelChoiceField(
        queryset=Track.objects.none(), to_field_name="uuid", required=False, empty_label=_("Not decided yet")
    )
    referred_on = forms.DateField(label=_("Referral date"), widget=forms.DateInput(attrs={"type": "date"}))
    duplicate_confirmed = forms.BooleanField(
        label=_("I checked: this is a different person with the same name and date of birth"), required=False
    )

    class Meta:
        model = Patient
        fields = [
            "legal_given_name",
            "legal_family_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "language",
            "phone",
            "email",
            "address",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.active().filter(staff_profiles__user=user)
        self.fields["program"].queryset = programs
        self.fields["track"].queryset = Track.objects.active().filter(program__in=programs)
        self.fields["referred_on"].initial = timezone.localdate()
        self.duplicates = []

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(_("The date of birth is in the future."))
        if born < today - datetime.timedelta(days=366 * 120):
            raise forms.ValidationError(_("Check the year: that would make the person older than 120."))
        return born

    def clean_referred_on(self):
        day = self.cleaned_data["referred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        program, track = cleaned.get("program"), cleaned.get("track")
        if program and track and track.program_id != program.id:
            self.add_error("track", _("This track belongs to another program."))
        given, family, born = (
            cleaned.get("legal_given_name"),
            cleaned.get("legal_family_name"),
            cleaned.get("date_of_birth"),
        )
        if given and family and born and not cleaned.get("duplicate_confirmed"):
            self.duplicates = list(
                possible_duplicates(given_name=given, family_name=family, date_of_birth=born)
            )
            if self.duplicates:
                numbers = ", ".join(p.record_number for p in self.duplicates)
                raise forms.ValidationError(
                    _(
                        "A patient with this name and date of birth already exists (record %(numbers)s). "
                        "Open that record instead, or tick the box below if this is a different person."
                    ),
                    code="duplicate",
                    params={"numbers": numbers},
                )
        return cleaned


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this chart now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=20,
        max_length=1000,
        help_text=_(
            "At least 20 characters. Your reason and this access are reviewed by the program director."
        ),
    )


class BreakGlassReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Was this access appropriate?"),
        choices=[
            (BreakGlassAccess.Review.APPROPRIATE, BreakGlassAccess.Review.APPROPRIATE.label),
            (BreakGlassAccess.Review.INAPPROPRIATE, BreakGlassAccess.Review.INAPPROPRIATE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == BreakGlassAccess.Review.INAPPROPRIATE
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", _("Say what was inappropriate and what follows from it."))
        return cleaned
