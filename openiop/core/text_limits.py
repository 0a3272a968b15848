"""Text the database would refuse, refused first with a message, the same on SQLite and PostgreSQL.

PostgreSQL rejects a string longer than its column or containing NUL (a DataError: a 500 and a message
naming no field); SQLite stores either silently. Forms check both per field, but services called from the
API, FHIR and imports save what they were given. A pre_save check on every OpenIOP model raises a
ValidationError naming the field instead, which the API answers as 422 problem details, FHIR as an
OperationOutcome and pages as form errors; the atomic service writes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save


def text_problems(instance) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname, None)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            problems.setdefault(field.name, []).append("Remove the NUL character from this text.")
        limit = getattr(field, "max_length", None)
        if isinstance(field, models.CharField) and limit is not None and len(value) > limit:
            problems.setdefault(field.name, []).append(
                f"Ensure this value has at most {limit} characters (it has {len(value)})."
            )
    return problems


def refuse_text_the_database_cannot_hold(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loading fixtures: stored as dumped
        return
    problems = text_problems(instance)
    if problems:
        raise ValidationError(problems)


def connect() -> None:
    """Guard every model of an openiop app (called from CoreConfig.ready)."""
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("openiop."):
            pre_save.connect(
                refuse_text_the_database_cannot_hold,
                sender=model,
                dispatch_uid=f"text-limits-{model._meta.label}",
            )
