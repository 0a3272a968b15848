"""The FHIR endpoint's request handling: content negotiation, authentication, the access gate, and every
failure answered as an OperationOutcome.

Callers authenticate as on the JSON API, with a personal access token (`Authorization: Bearer oiop_…`,
checked by openiop.api.security.PersonalAccessTokenAuth). A signed-in staff member's browser session is
accepted too, so the pages' policies can be walked and a clinician can look at a resource; a session write
must then pass Django's CSRF check, which a token-authenticated request (no cookie) does not need.

JSON only: an XML Accept, `_format` or Content-Type is answered 415, so no XML parser is ever reached.
"""

import functools
import json
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from openiop.api.security import PersonalAccessTokenAuth
from openiop.core.access import PUBLIC, refuse
from openiop.patients.selectors import BreakGlassRequired

from .outcomes import FhirError, operation_outcome

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
JSON_TYPES = ("application/fhir+json", "application/json")
FORMAT_VALUES = ("json", "application/json", "application/fhir+json")
SAFE_METHODS = ("GET", "HEAD")

UNAUTHENTICATED = "Send a valid personal access token: Authorization: Bearer <token>."
REFUSED = "Your role does not allow this interaction. The attempt has been recorded."
CHART_REFUSED = (
    "You may not read this patient's record: it follows the care team. The attempt has been recorded. "
    "Break-the-glass (emergency) access is not available through FHIR; use the web application."
)

_bearer = PersonalAccessTokenAuth()


def fhir_json(resource: dict, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, ensure_ascii=False), status=status, content_type=f"{FHIR_JSON}; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome_response(error: FhirError) -> HttpResponse:
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="OpenIOP FHIR"')
    return fhir_json(operation_outcome(error.status, error.issues), status=error.status, headers=headers)


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def negotiate(request) -> None:
    """Refuse (415) anything but JSON, in what is asked for and in what is sent."""
    wanted = request.GET.get("_format", "")
    if wanted and _media_type(wanted) not in FORMAT_VALUES:
        raise FhirError.of(415, "Only JSON is supported (_format=json or application/fhir+json).", "_format")
    if "xml" in request.headers.get("Accept", "").lower():
        raise FhirError.of(415, "Only JSON is supported: ask for application/fhir+json.")
    if request.method not in SAFE_METHODS:
        sent = _media_type(request.headers.get("Content-Type", ""))
        if sent not in JSON_TYPES:
            raise FhirError.of(415, "Send the resource as application/fhir+json.")


def authenticate(request) -> None:
    """A bearer token wins over a session. 401 when neither identifies an active user."""
    if request.headers.get("Authorization"):
        user = _bearer(request)  # sets request.user, as the JSON API does
        if user is None:
            raise FhirError.of(
                401,
                UNAUTHENTICATED,
                headers={"WWW-Authenticate": 'Bearer realm="OpenIOP FHIR", error="invalid_token"'},
            )
        return
    if not request.user.is_authenticated:
        raise FhirError.of(401, UNAUTHENTICATED)
    if request.method not in SAFE_METHODS:
        # A cookie travels with cross-site requests; a bearer token does not. Sessions keep CSRF.
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            raise FhirError.of(403, "A browser session must send the CSRF token to change anything.")


def refuse_chart(request, needed: BreakGlassRequired, permission: str = "patients.view_chart"):
    """Break-the-glass is web-only: audit the refusal as the pages do, then answer 403."""
    try:
        refuse(request, permission=permission, patient=needed.patient, obj=needed.patient)
    except PermissionDenied:
        raise FhirError.of(403, CHART_REFUSED) from None


def fhir_policy(permission: str, *, methods: tuple[str, ...] = ("GET",)):
    """Guard a FHIR view with `permission` (a rules permission name, as the pages use) or PUBLIC."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise FhirError.of(
                        405, f"Allowed here: {', '.join(methods)}.", headers={"Allow": ", ".join(methods)}
                    )
                negotiate(request)
                if permission != PUBLIC:
                    authenticate(request)
                    if not request.user.has_perm(permission):
                        refuse(request, permission=permission)
                return view(request, *args, **kwargs)
            except FhirError as error:
                return outcome_response(error)
            except BreakGlassRequired as needed:
                try:
                    refuse_chart(request, needed)
                except FhirError as error:
                    return outcome_response(error)
            except PermissionDenied:
                # core.access.refuse has written the audit event.
                return outcome_response(FhirError.of(403, REFUSED))
            except Http404:
                return outcome_response(FhirError.of(404, "No such resource."))
            except Exception:
                logger.exception("Unhandled error in FHIR interaction %s", request.path)
                request_id = getattr(request, "request_id", "")
                return outcome_response(
                    FhirError.of(
                        500, f"An unexpected error occurred. It has been logged (request {request_id})."
                    )
                )

        wrapped.access_policy = permission
        wrapped.csrf_exempt = True  # tokens carry no cookie; sessions are checked in authenticate()
        return wrapped

    return decorator
