"""Structured logs without PHI (LOG_FORMAT=json, see config/settings.py LOGGING).

One JSON object a line: time, level, logger, message and, when known, the request id, the path WITHOUT its
query string (searches carry names there: /patients/?q=...), the status and the duration in ms. An
exception is logged as its class and stack frames only: an exception's message can quote a patient's
data (a failed lookup, a constraint's values), so it stays out of the logs.

Plain module: the standard library and the request-id context only, so the logging configuration can
load it before Django's apps are ready.
"""

import datetime
import json
import logging
import time
import traceback

from openiop.core.request_context import current_request_id

REQUEST_LOGGER = logging.getLogger("openiop.request")


def strip_query(path: str) -> str:
    """The path alone: no query string and no fragment."""
    return path.split("?", 1)[0].split("#", 1)[0]


class JsonFormatter(logging.Formatter):
    """Format a log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        # django.request's records carry the request and the status code; ours carry path and status.
        request = getattr(record, "request", None)
        path = getattr(record, "path", None) or getattr(request, "path", None)
        if isinstance(path, str):
            entry["path"] = strip_query(path)
        status = getattr(record, "status", None) or getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        duration = getattr(record, "duration_ms", None)
        if isinstance(duration, int | float):
            entry["duration_ms"] = round(duration, 1)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ]
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_request(request, status: int, started: float) -> None:
    """One line a request on the "openiop.request" logger (INFO, on when LOG_FORMAT=json): method, path
    without its query string, status and duration. `started` is a time.monotonic() reading."""
    if not REQUEST_LOGGER.isEnabledFor(logging.INFO):
        return
    duration_ms = (time.monotonic() - started) * 1000
    path = strip_query(request.path)
    REQUEST_LOGGER.info(
        "%s %s %s",
        request.method,
        path,
        status,
        extra={
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": getattr(request, "request_id", ""),
        },
    )
