import time

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
