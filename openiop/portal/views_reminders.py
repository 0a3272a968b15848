"""Portal part "reminders": the patient chooses how and when they are reminded."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from openiop.core.access import policy
from openiop.reminders.forms import ReminderSettingsForm
from openiop.reminders.services import preference_of, update_preferences

from .selectors import portal_patient


def _add_errors(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@policy("portal.use")
def reminder_settings(request):
    """GET shows the choices (audited as a view); POST saves them (audited as the write)."""
    if request.method == "POST":
        patient = portal_patient(request, page="reminder_settings", audit=False)
        form = ReminderSettingsForm(request.POST, instance=preference_of(patient))
        if form.is_valid():
            try:
                update_preferences(patient=patient, by=request.user, request=request, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your reminder settings are saved."))
                return redirect("portal:reminder_settings")
    else:
        patient = portal_patient(request, page="reminder_settings")
        form = ReminderSettingsForm(instance=preference_of(patient))
    return render(request, "portal/reminders/settings.html", {"form": form, "patient": patient})
