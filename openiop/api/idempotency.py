"""Idempotency-Key for creates on the JSON API and the FHIR endpoint (draft-ietf-httpapi-idempotency-key-header).

A client that may retry a POST (a timeout, a dropped connection) sends `Idempotency-Key: <unique value>`.
- The first request with a key runs; a 2xx answer is kept and the same request with the same key gets the
  same answer again (header `Idempotent-Replayed: true`), so a retry never creates a second record.
- A copy arriving while the first is still running is answered 409 (retry shortly): exactly one of any
  number of concurrent copies runs, because the key is claimed by a unique row before the view starts.
- The same key with a different request (method, path, query or body) is refused with 422.
- A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE cannot be fingerprinted and is refused with 413.
- A failed request (not 2xx) keeps nothing: fixing the body and sending it again with the same key works.
Keys belong to one caller (the bearer token, or the signed-in user), are kept KEEP_HOURS, and a request that
died mid-way (process killed) frees its key after ABANDONED_MINUTES; its writes never committed, because the
view runs in one transaction with the keeping of its answer. Errors are problem details on /api/,
OperationOutcome on /fhir/.
"""

import datetime
import hashlib

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from .models import IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
PREFIXES = ("/api/v1/", "/fhir/r4/")
KEEP_HOURS = 24
ABANDONED_MINUTES = 5
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "ETag", "Last-Modified", "Content-Location")


def _scope(request) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"user:{user.pk}".encode()).hexdigest()
    return None


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _error(request, status: int, detail: str, headers: dict | None = None) -> HttpResponse:
    if request.path.startswith("/fhir/"):
        from openiop.fhir.http import fhir_json
        from openiop.fhir.outcomes import Issue, operation_outcome

        response = fhir_json(operation_outcome(status, [Issue(detail, code="conflict")]), status=status)
    else:
        from .problems import problem_response

        response = problem_response(status, detail)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()


def _replay(request, record: IdempotencyRecord) -> HttpResponse:
    from openiop.audit.models import Action
    from openiop.audit.services import audit_record

    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    # The answer is shown again: a read of whatever it holds, by the caller who created it.
    audit_record(
        action=Action.VIEW,
        request=request,
        actor=record.user,
        detail={"idempotent_replay": True, "path": request.path, "status": record.status},
    )
    return response


def _claim(scope: str, key: str, print_: str, now) -> IdempotencyRecord | None:
    """Claim the key (None) or return the record already holding it."""
    IdempotencyRecord.objects.filter(created_at__lt=now - datetime.timedelta(hours=KEEP_HOURS)).delete()
    IdempotencyRecord.objects.filter(
        state=IdempotencyState.PROCESSING, created_at__lt=now - datetime.timedelta(minutes=ABANDONED_MINUTES)
    ).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=print_, created_at=now)
        return None
    except IntegrityError:
        return IdempotencyRecord.objects.filter(scope=scope, key=key).first()


class IdempotencyKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(PREFIXES):
            return self.get_response(request)
        if not _valid_key(key):
            return _error(request, 400, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.")
        scope = _scope(request)
        if scope is None:  # not signed in: the view answers 401 and nothing is kept
            return self.get_response(request)
        try:
            print_ = fingerprint(request)
        except RequestDataTooBig:
            return _error(
                request, 413, f"This request is too large to send with an {HEADER}; send it without one."
            )
        existing = _claim(scope, key, print_, timezone.now())
        if existing is not None:
            if existing.fingerprint != print_:
                return _error(request, 422, f"This {HEADER} was already used for a different request.")
            if existing.state == IdempotencyState.PROCESSING:
                return _error(
                    request,
                    409,
                    f"A request with this {HEADER} is still being processed; retry shortly.",
                    {"Retry-After": "1"},
                )
            return _replay(request, existing)
        records = IdempotencyRecord.objects.filter(scope=scope, key=key, state=IdempotencyState.PROCESSING)
        try:
            # The view's writes and the kept answer commit together: a process that dies after the view's
            # write but before keeping its answer commits neither, so the retry (once the key is abandoned)
            # creates the record exactly once. Committed apart, that retry created a second record.
            with transaction.atomic():
                response = self.get_response(request)
                _keep(records, request, response)
        except BaseException:
            records.delete()
            raise
        return response


def _keep(records, request, response) -> None:
    """Keep a 2xx answer for replay; anything else frees the key (a failed request keeps nothing)."""
    user = getattr(request, "user", None)
    if 200 <= response.status_code < 300 and not response.streaming:
        records.update(
            state=IdempotencyState.DONE,
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            headers={name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)},
            body=response.content,
            user=user if user is not None and user.is_authenticated else None,
            completed_at=timezone.now(),
        )
    else:
        records.delete()
