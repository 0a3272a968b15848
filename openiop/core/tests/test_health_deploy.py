"""deploy/ says what the code does: its units, image and proxy name real commands, settings and paths."""

import configparser
import json
import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.urls import resolve
from gunicorn.config import Config

BASE_DIR = Path(settings.BASE_DIR)
DEPLOY = BASE_DIR / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SETTINGS_SOURCE = (BASE_DIR / "config" / "settings.py").read_text()
# Read by gunicorn itself (its default worker count), not by Django's settings.
GUNICORN_VARIABLES = {"WEB_CONCURRENCY"}


@pytest.fixture
def production_tasks(settings):
    """The task backend production runs (tests run tasks at once), so db_worker accepts its arguments."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def check_command(argv: list[str]) -> None:
    """A gunicorn serving config.wsgi with options gunicorn knows, or manage.py with a real command and
    arguments that command accepts."""
    program = Path(argv[0]).name
    if program == "gunicorn":
        options = Config().parser().parse_args(argv[1:])
        assert options.args == ["config.wsgi"], options.args
        assert (BASE_DIR / "config" / "wsgi.py").exists()
        assert options.accesslog is None, "gunicorn's access log records query strings"
        return
    assert program.startswith("python") and argv[1] == "manage.py", argv
    name, arguments = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"no manage.py command {name!r}"
    command = load_command_class(commands[name], name)
    command.create_parser("manage.py", name).parse_args(arguments)  # exits (fails) on an unknown option


def test_there_is_a_unit_for_the_web_the_worker_and_the_reminders():
    assert [path.name for path in UNITS] == [
        "openiop-reminders.service",
        "openiop-web.service",
        "openiop-worker.service",
    ]


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_each_unit_runs_a_real_command_unprivileged_and_hardened(path, production_tasks):
    service = unit(path)["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0].startswith(service["WorkingDirectory"] + "/.venv/bin/")
    check_command(argv)
    assert service["User"] == "openiop" and service["EnvironmentFile"] == "/etc/openiop/openiop.env"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service.get(key) == value, f"{path.name}: {key}={value} expected"


def test_the_web_unit_and_the_image_serve_the_wsgi_module_with_gunicorn():
    web = shlex.split(unit(DEPLOY / "systemd" / "openiop-web.service")["Service"]["ExecStart"])
    assert Path(web[0]).name == "gunicorn"
    containerfile = (DEPLOY / "Containerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", containerfile, re.MULTILINE).group(1))
    check_command(cmd)
    assert re.search(r"^USER openiop$", containerfile, re.MULTILINE), "the image runs as root"
    assert "FROM python:3.11-slim" in containerfile and "libpango-1.0-0" in containerfile


def test_the_image_roles_in_its_header_are_real_commands(production_tasks):
    header = (DEPLOY / "Containerfile").read_text()
    for line in re.findall(r"^#\s+(?:worker|reminders)\s+(.*)$", header, re.MULTILINE):
        check_command(shlex.split(line))


def test_the_image_health_check_calls_liveness():
    containerfile = (DEPLOY / "Containerfile").read_text()
    healthcheck = re.search(r"^HEALTHCHECK [^\n]*\\\n\s*CMD (\[[^\n]*\])$", containerfile, re.MULTILINE)
    probe = json.loads(healthcheck.group(1))
    assert "http://127.0.0.1:8000/healthz" in probe[-1]
    assert resolve("/healthz").func.__module__ == "openiop.core.health"


def test_every_variable_in_the_example_environment_is_read_by_the_settings():
    example = (DEPLOY / "openiop.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, re.MULTILINE)
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "LOG_FORMAT"} <= set(names)
    unread = [
        name
        for name in names
        if name not in GUNICORN_VARIABLES and not re.search(rf"""\(\s*["']{name}["']""", SETTINGS_SOURCE)
    ]
    assert unread == [], f"config/settings.py does not read {unread}"


def test_the_proxy_sends_the_headers_the_settings_trust_and_logs_no_query_string():
    nginx = (DEPLOY / "nginx.conf").read_text()
    # SECURE_PROXY_SSL_HEADER (BEHIND_TLS_PROXY=1) reads HTTP_X_FORWARDED_PROTO.
    assert '"HTTP_X_FORWARDED_PROTO", "https"' in SETTINGS_SOURCE
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    # ALLAUTH_TRUSTED_PROXY_COUNT (TRUSTED_PROXY_COUNT=1) reads the last X-Forwarded-For entry.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "proxy_set_header Host $host;" in nginx
    assert "proxy_set_header X-Request-ID $request_id;" in nginx
    log_format = re.search(r"log_format\s+openiop_noquery(.*?);", nginx, re.DOTALL).group(1)
    for variable in ("$request ", "$request_uri", "$args", "$query_string", '$request"'):
        assert variable not in log_format, f"the access log would record query strings ({variable})"
    assert "$uri" in log_format
    assert all(
        "openiop_noquery" in line for line in nginx.splitlines() if line.strip().startswith("access_log /")
    )


def test_the_static_folder_of_the_proxy_is_the_one_collectstatic_fills():
    nginx = (DEPLOY / "nginx.conf").read_text()
    example = (DEPLOY / "openiop.env.example").read_text()
    var_dir = re.search(r"^OPENIOP_VAR_DIR=(.*)$", example, re.MULTILINE).group(1)
    assert f"alias {var_dir}/static/;" in nginx
    assert settings.STATIC_ROOT == settings.VAR_DIR / "static"
    assert f"location /{settings.STATIC_URL.strip('/')}/ {{" in nginx
