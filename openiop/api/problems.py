"""Errors as RFC 9457 problem details, for every failure of every operation.

Bodies carry only what we wrote here: never an exception message, a traceback or data of a patient.
"""

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .parser import BodyNotAnObject

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ValidationProblemItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ValidationProblemItem] | None = None


class ApiProblem(Exception):
    """Raise from an operation to answer with this problem."""

    def __init__(self, status: int, detail: str, *, title: str = "", type: str = "about:blank"):
        super().__init__(detail)
        self.status, self.detail, self.title, self.type = status, detail, title, type


def problem_response(
    status: int, detail: str, *, title: str = "", type: str = "about:blank", errors: list | None = None
) -> HttpResponse:
    body = {"type": type, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _api_problem(request, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, title=exc.title, type=exc.type)


def _unauthenticated(request, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(401, "Send a valid personal access token: Authorization: Bearer <token>.")
    # RFC 6750 §3: name the scheme; say the token was wrong only when one was sent.
    challenge = 'Bearer realm="OpenIOP API"'
    if request.headers.get("Authorization"):
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


def _permission_denied(request, exc: PermissionDenied) -> HttpResponse:
    # core.access.refuse has already written the audit event.
    return problem_response(403, "Your role does not allow this operation. The attempt has been recorded.")


def _http_error(request, exc: HttpError) -> HttpResponse:
    # Ninja answers every body its parser refuses with "Cannot parse request body"; ours says why.
    if isinstance(exc.__cause__, BodyNotAnObject):
        return problem_response(exc.status_code, str(exc.__cause__))
    return problem_response(exc.status_code, str(exc))


def _not_found(request, exc: Http404) -> HttpResponse:
    return problem_response(404, "No such resource.")


# Every JSON body parameter of this API is named `payload`; ninja puts that name in the location
# (["body", "payload", "email"]). Dropped, so input errors and the services' errors both read ["body", "email"].
BODY_PARAMETER = "payload"


def _location(loc) -> list[str | int]:
    parts = [str(part) if not isinstance(part, int) else part for part in loc]
    if parts[:2] == ["body", BODY_PARAMETER]:
        del parts[1]
    return parts


def _validation_error(request, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": _location(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return problem_response(422, "The request is not valid; see errors.", errors=errors)


def _service_refusal(request, exc: DjangoValidationError) -> HttpResponse:
    """A service refused the input (django ValidationError): each message at the body field it names.

    Service messages are written for the person filling the form: they name fields, levels and rules, never
    a patient. Messages not tied to a field ("__all__", or a plain list) sit at ["body"].
    """
    if hasattr(exc, "error_dict"):
        pairs = [(field, message) for field, messages in exc.message_dict.items() for message in messages]
    else:
        pairs = [(None, message) for message in exc.messages]
    errors = [
        {
            "loc": ["body"] if field in (None, "__all__") else ["body", field],
            "msg": str(message),
            "type": "value_error",
        }
        for field, message in pairs
    ]
    return problem_response(422, "The request was refused; see errors.", errors=errors)


def _unexpected(request, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in API operation %s", request.path)
    request_id = getattr(request, "request_id", "")
    return problem_response(500, f"An unexpected error occurred. It has been logged (request {request_id}).")


def install_problem_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers (plain JSON, tracebacks in DEBUG) with problem details."""
    api.add_exception_handler(ApiProblem, _api_problem)
    api.add_exception_handler(AuthenticationError, _unauthenticated)
    api.add_exception_handler(PermissionDenied, _permission_denied)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ValidationError, _validation_error)
    api.add_exception_handler(DjangoValidationError, _service_refusal)
    api.add_exception_handler(Exception, _unexpected)


def document_problem_responses(document: dict) -> dict:
    """Fix the OpenAPI document's responses to say what the API sends (ninja declares every body as JSON).

    Error bodies are `application/problem+json` (RFC 9457 §3), so a client or schemathesis validating
    the Content-Type finds it documented. Status keys become strings: ninja keys its own responses by int,
    and an operation's `openapi_extra` (the safety plan's PDF) by string, which would serialize as two
    "200" members; the explicit one wins.
    """
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            merged = {
                str(status): response for status, response in responses.items() if isinstance(status, int)
            }
            merged.update(
                {status: response for status, response in responses.items() if isinstance(status, str)}
            )
            for status, response in merged.items():
                content = response.get("content", {})
                if status.isdigit() and int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            operation["responses"] = merged
    return document


# Declared on operations so the OpenAPI document shows the error shape. 400: a body that is not a JSON
# object (parser.py) or text with a NUL character, refused before any operation runs.
PROBLEM_RESPONSES = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 500: Problem}
# Operations that change a record whose state may not allow the change (an episode already admitted).
CONFLICT_RESPONSES = {**PROBLEM_RESPONSES, 409: Problem}
