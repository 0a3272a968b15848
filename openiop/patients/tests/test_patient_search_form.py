"""The patient list's filters write their HTML in Python (core/widgets.py): the markup must stay Django's own,
label ids, maxlength, the chosen option and the options each user may pick included."""

import pytest
from django import forms
from django.template import Context, Template

from openiop.patients.forms import PatientSearchForm

FIELDS = Template("{% for field in form %}{{ field }}{{ field.errors }}{% endfor %}")


def _with_django_widgets(form: PatientSearchForm) -> PatientSearchForm:
    """The same form with Django's template-rendered widgets, built as a field would build its own."""
    for field in form.fields.values():
        widget = forms.TextInput() if isinstance(field.widget, forms.TextInput) else forms.Select()
        widget.attrs.update(field.widget_attrs(widget))
        widget.is_required = field.required
        if isinstance(widget, forms.Select):
            widget.choices = field.choices
        field.widget = widget
    return form


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "Avery"},
        {"q": "<b>&\"'", "status": "waitlist"},
        {"q": "x" * 150, "status": "nonsense"},
        {"program": "not-a-uuid", "clinician": "also-not"},
    ],
)
def test_the_filters_render_exactly_as_django_widgets_would(world, data):
    for user in (world.alice, world.dana):
        fast = PatientSearchForm(data, user=user)
        slow = _with_django_widgets(PatientSearchForm(data, user=user))
        fast.is_valid(), slow.is_valid()
        assert FIELDS.render(Context({"form": fast})) == FIELDS.render(Context({"form": slow}))


def test_a_chosen_program_and_clinician_stay_selected(world):
    data = {"program": str(world.program_a.uuid), "clinician": str(world.alice.uuid)}
    html = FIELDS.render(Context({"form": PatientSearchForm(data, user=world.dana)}))
    assert f'<option value="{world.program_a.uuid}" selected>' in html
    assert f'<option value="{world.alice.uuid}" selected>' in html
