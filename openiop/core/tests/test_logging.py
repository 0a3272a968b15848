"""Structured logs: one JSON object a line, a line a request, and no query string or patient name."""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import given
from hypothesis import strategies as st

from openiop.core.logging import REQUEST_LOGGER, JsonFormatter, strip_query

BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture
def json_lines():
    """Capture the "openiop.request" and "django.request" loggers through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [REQUEST_LOGGER, logging.getLogger("django.request")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_search_request_logs_one_json_line_without_its_query_string_or_the_name(
    world, client_for, json_lines
):
    response = client_for(world.alice).get("/patients/", {"q": "Avery Synthetic"})
    assert response.status_code == 200
    [line] = [entry for entry in json_lines() if entry["logger"] == "openiop.request"]
    assert line["path"] == "/patients/"
    assert line["status"] == 200
    assert line["level"] == "INFO"
    assert line["request_id"] == response["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    raw = json.dumps(json_lines())
    assert "Avery" not in raw and "q=" not in raw and "?" not in raw


def test_a_refused_page_logs_its_status(world, client_for, json_lines):
    client_for(world.charlie).get(f"/patients/{world.patient_a.uuid}/?tab=notes")
    lines = json_lines()
    request_line = next(entry for entry in lines if entry["logger"] == "openiop.request")
    assert request_line["status"] == 403
    assert request_line["path"] == f"/patients/{world.patient_a.uuid}/"
    # django.request's own warning is formatted too, with the path from its request and no query.
    warning = next(entry for entry in lines if entry["logger"] == "django.request")
    assert warning["status"] == 403 and warning["path"] == request_line["path"]
    assert "tab=" not in json.dumps(lines)


def test_an_exception_is_logged_by_class_and_frames_without_its_message():
    try:
        raise ValueError("invalid literal for int(): 'Avery Synthetic'")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/p/",), sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"] == "ValueError"
    assert entry["message"] == "Internal Server Error: /p/"
    assert entry["stack"] and "test_logging.py" in entry["stack"][0]
    assert "Avery" not in json.dumps(entry)


def test_requests_are_not_logged_by_default(world, client_for, caplog):
    with caplog.at_level(logging.WARNING):
        client_for(world.alice).get("/patients/")
    assert not [record for record in caplog.records if record.name == "openiop.request"]


def _logging_settings(log_format: str) -> dict:
    env = {"LOG_FORMAT": log_format, "SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    code = "import json, config.settings as s; print(json.dumps(s.LOGGING))"
    out = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_log_format_json_selects_the_json_formatter_and_request_lines():
    config = _logging_settings("json")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["loggers"]["openiop.request"]["level"] == "INFO"
    plain = _logging_settings("")
    assert "formatter" not in plain["handlers"]["console"] and plain["loggers"] == {}


@given(
    path=st.text(alphabet="/abcXYZ-_.0123456789%", max_size=30),
    query=st.text(max_size=30),
    message=st.text(max_size=40),
)
def test_every_record_is_one_line_of_json_with_a_path_free_of_queries(path, query, message):
    record = logging.LogRecord("openiop.request", logging.INFO, __file__, 1, "%s", (message,), None)
    record.path = f"{path}?{query}"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["path"] == strip_query(path) and "?" not in entry["path"]
    assert entry["message"] == message
