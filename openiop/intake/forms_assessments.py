"""The level-of-care assessment form, built from a rubric: one radio group per dimension, each choice
labelled with its anchored description. It validates input only; `assessment_record` computes the
recommendation, checks the override rule and saves."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .rubric import Rubric

RATING_PREFIX = "rating_"


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(
        label=_("Date of assessment"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything the ratings do not show that the next clinician should know."),
    )
    determined_level = forms.ChoiceField(
        label=_("Level of care you determine"), widget=forms.RadioSelect, required=False
    )
    override_reason = forms.CharField(
        label=_("Why a different level from the recommendation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when your level differs from the recommendation."),
    )

    def __init__(self, *args, rubric: Rubric, signing: bool = False, **kwargs):
        kwargs.setdefault("initial", {"assessed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.rubric = rubric
        for dimension in rubric.dimensions:
            self.fields[RATING_PREFIX + dimension.id] = forms.TypedChoiceField(
                label=dimension.title,
                help_text=dimension.help,
                coerce=int,
                widget=forms.RadioSelect,
                choices=[
                    (str(anchor.rating), f"{anchor.rating} · {anchor.label}: {anchor.description}")
                    for anchor in dimension.anchors
                ],
                error_messages={"required": _("Choose a rating for %(title)s.") % {"title": dimension.title}},
            )
        self.fields["determined_level"].choices = [(level.id, level.title) for level in rubric.levels]
        # Previewing needs only the ratings; signing needs the decision too.
        self.fields["determined_level"].required = signing

    @property
    def rating_fields(self):
        return [self[RATING_PREFIX + dimension.id] for dimension in self.rubric.dimensions]

    @property
    def decision_fields(self):
        return [self["determined_level"], self["override_reason"]]

    def posted_ratings(self) -> dict[str, int]:
        """The ratings given so far, valid or not yet complete: for a live preview while the form is filled."""
        ratings = {}
        for dimension in self.rubric.dimensions:
            value = self.data.get(self.add_prefix(RATING_PREFIX + dimension.id), "")
            try:
                rating = int(value)
            except (TypeError, ValueError):
                continue
            if self.rubric.scale_min <= rating <= self.rubric.scale_max:
                ratings[dimension.id] = rating
        return ratings

    def ratings(self) -> dict[str, int]:
        """The validated ratings, by dimension id (call after is_valid())."""
        return {
            dimension.id: self.cleaned_data[RATING_PREFIX + dimension.id]
            for dimension in self.rubric.dimensions
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "ratings": self.ratings(),
            "determined_level": data["determined_level"],
            "override_reason": data["override_reason"],
            "notes": data["notes"],
            "assessed_on": data["assessed_on"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the service's ValidationError on the fields it names; the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)
