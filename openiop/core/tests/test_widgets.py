"""The Python-rendered widgets write exactly the HTML Django's templates write, for awkward values too."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from openiop.core import widgets

VALUES = [
    None,
    "",
    "plain",
    "quote \" and <tag> & 'apos'",
    mark_safe("<b>safe</b>"),
    0,
    42,
    -1,
    3.5,
    datetime.date(2026, 2, 3),
]
ATTRS = [
    None,
    {"id": "id_form-0-note", "required": True, "disabled": False},
    {"size": 4, "max": 90, "aria-describedby": 'x"y', "data-x": "<&>"},
    {"aria-invalid": "true", "autofocus": True, "maxlength": "200"},
]
PAIRS = [
    (forms.DateInput, widgets.DateInput),
    (forms.HiddenInput, widgets.HiddenInput),
    (forms.NumberInput, widgets.NumberInput),
    (forms.TextInput, widgets.TextInput),
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize(("django_widget", "fast_widget"), PAIRS)
def test_inputs_render_as_django_does(django_widget, fast_widget, value, attrs):
    expected = django_widget(attrs={"class": "c"}).render("form-0-x", value, attrs=attrs)
    assert fast_widget(attrs={"class": "c"}).render("form-0-x", value, attrs=attrs) == expected


CHOICES = [
    ("present", "Present"),
    ("late", gettext_lazy("Late")),
    ("x<y", 'A "quoted" & <odd> label'),
    (3, 3),
]
GROUPED = [("", "---------"), ("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")]


@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []])
@pytest.mark.parametrize("value", [None, "", "late", "x<y", 3, "b", ["a", "c"]])
@pytest.mark.parametrize("attrs", ATTRS)
def test_select_renders_as_django_does(choices, value, attrs):
    expected = forms.Select(choices=choices).render("form-0-status", value, attrs=attrs)
    assert widgets.Select(choices=choices).render("form-0-status", value, attrs=attrs) == expected


def test_a_difference_would_be_seen():
    """The comparison above can fail: a value Django escapes must come out escaped here too."""
    html = widgets.TextInput().render("n", "<script>")
    assert "<script>" not in html
    assert 'value="&lt;script&gt;"' in html


def test_a_custom_form_renderer_is_used_as_is():
    class Renderer(forms.renderers.DjangoTemplates):
        def render(self, template_name, context, request=None):
            return f"custom {template_name}"

    assert (
        widgets.TextInput().render("n", "v", renderer=Renderer()) == "custom django/forms/widgets/text.html"
    )
    assert widgets.Select(choices=CHOICES).render("n", "v", renderer=Renderer()) == (
        "custom django/forms/widgets/select.html"
    )
