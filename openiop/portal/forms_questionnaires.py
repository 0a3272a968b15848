"""The one-question form of a portal questionnaire: the item's answer options as large radio buttons, in
the language the patient reads the questionnaire in. Whether an answer is allowed is the measures
service's rule (draft_answer); the form only turns the posted choice into a number."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openiop.measures.instrument_schema import Item, text_in


class AnswerForm(forms.Form):
    answer = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one answer, then tap Next."),
            "invalid_choice": _("Choose one of the answers."),
        },
    )

    def __init__(self, *args, item: Item, language: str, question: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        field.choices = [(option.value, text_in(option.label, language)) for option in item.options]
        field.label = question
        field.required = item.required
