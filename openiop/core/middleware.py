import re
import time
from urllib.parse import unquote

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest

from .logging import log_request
from .request_context import new_request_id, reset_request_id, set_request_id


class RequestIdMiddleware:
    """Give each request an id, echoed in the X-Request-ID response header and stored on audit events;
    log one line a request (openiop/core/logging.py: no query string, on when LOG_FORMAT=json)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request.request_id = new_request_id(request.headers.get("X-Request-ID"))
        token = set_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request.request_id
        log_request(request, response.status_code, started)
        return response


# A JSON string escape for U+0000: an odd number of backslashes before "u0000" (an even number is a literal
# backslash followed by the text "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RefuseNulMiddleware:
    """Refuse a NUL character in the query string, and in the JSON body of API and FHIR requests, with 400.

    PostgreSQL cannot store or compare text containing NUL (a DataError, so a 500), SQLite takes it, and no
    person types one. Forms already refuse it field by field (Django's CharField); this covers what views and
    API schemas read without a form: searches, filters, JSON bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return _bad_request(request, "The address contains a NUL character.")
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.path.startswith(("/api/", "/fhir/"))
            and "json" in request.content_type
            and _JSON_NUL.search(_body_or_empty(request))
        ):
            return _bad_request(request, "The body contains a NUL character (\\u0000).")
        return self.get_response(request)


def _body_or_empty(request) -> bytes:
    """The body, or nothing to check when it is over DATA_UPLOAD_MAX_MEMORY_SIZE: the view (or the
    Idempotency-Key middleware, with its own 413) answers that request as it would without this check."""
    try:
        return request.body
    except RequestDataTooBig:
        return b""


def _bad_request(request, detail: str) -> HttpResponse:
    if request.path.startswith("/fhir/"):
        from openiop.fhir.http import fhir_json
        from openiop.fhir.outcomes import Issue, operation_outcome

        return fhir_json(operation_outcome(400, [Issue(detail, code="invalid")]), status=400)
    if request.path.startswith("/api/"):
        from openiop.api.problems import problem_response

        return problem_response(400, detail)
    return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
