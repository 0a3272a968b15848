"""Form widgets that write their HTML in Python instead of through Django's widget templates.

Why: rendering one widget through the template engine costs ~0.3 ms (an include per attribute list, one
per option), so a screen of many rows (group attendance: four widgets a row) spends most of its time
there. These widgets keep everything else of Django's: `get_context()` still builds the name, value, id,
`required`, `aria-*` and option attributes, and the form still validates the same way. Only the last step,
turning that context into HTML, is done here, byte for byte as Django's default templates
(django/forms/widgets/input.html, attrs.html, select.html, select_option.html) would; a test compares the
two on many values. With a custom FORM_RENDERER (whose templates may differ), they fall back to it.
"""

from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _format(value) -> str:
    """`{{ value|stringformat:'s' }}`: str() of the value, escaped unless it is already safe."""
    return conditional_escape("%s" % (value,))  # noqa: UP031 - the same formatting as the filter


def _text(value) -> str:
    """`{{ value }}`: localized, then escaped unless safe."""
    return conditional_escape(localize(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name alone."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_format(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_format(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: dict) -> str:
    return f'<option value="{_format(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'


def _select(widget: dict) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            # The included option template ends with a newline that the engine keeps.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _renders_like_django(renderer) -> bool:
    return type(renderer or get_default_renderer()) is DjangoTemplates


class _FastInputMixin:
    def _render(self, template_name, context, renderer=None):
        if template_name != self.__class__.template_name or not _renders_like_django(renderer):
            return super()._render(template_name, context, renderer)
        return mark_safe(_input(context["widget"]))  # noqa: S308 - every part is escaped above


class DateInput(_FastInputMixin, forms.DateInput):
    pass


class HiddenInput(_FastInputMixin, forms.HiddenInput):
    pass


class NumberInput(_FastInputMixin, forms.NumberInput):
    pass


class TextInput(_FastInputMixin, forms.TextInput):
    pass


class Select(forms.Select):
    def _render(self, template_name, context, renderer=None):
        if (
            template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
            or not _renders_like_django(renderer)
        ):
            return super()._render(template_name, context, renderer)
        return SafeString(_select(context["widget"]).strip())
