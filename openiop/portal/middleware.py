"""The portal speaks the patient's language (Patient.language, chosen on the settings page) on every page,
whatever the browser says. Placed after the authentication middleware (and so after LocaleMiddleware, whose
choice it overrides for patient users only; staff keep the browser's language)."""

from django.utils import translation

from openiop.accounts.models import Role

PATIENT_LANGUAGES = ("en", "es")


class PatientLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.PATIENT:
            # One query, cached on the user: the portal's rules and selectors read the same attribute.
            patient = getattr(user, "patient", None)
            language = getattr(patient, "language", None)
            if language in PATIENT_LANGUAGES:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
