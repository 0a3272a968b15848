"""`manage.py schedule solve` and `schedule check`: the round trip, and a broken schedule fails."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXAMPLE = "docs/scheduling-example.json"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("schedule", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("extra", [[], ["--greedy"]])
def test_solve_then_check_round_trip(tmp_path, extra):
    data = json.loads(run("solve", EXAMPLE, "--time-limit", "5", "--seed", "1", *extra))
    assert data["hard_violations"] == 0
    assert data["patients"]["p3"]["explanation"] == "available 3 h in sessions this week (target 6 h)"
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps(data))
    output = run("check", EXAMPLE, str(schedule))
    assert f"objective: {data['objective']}" in output
    assert "no hard-constraint violations" in output


def test_check_reports_violations_and_exits_with_status_1(tmp_path):
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"assignments": [{"patient": "p3", "session": "mon-process"}]}))
    with pytest.raises(CommandError) as raised:
        run("check", EXAMPLE, str(schedule))
    assert raised.value.returncode == 1


def test_a_malformed_instance_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"session_types": {}, "patients": [{"id": "p1"}]}))
    with pytest.raises(CommandError, match=r"patients\[0\].target_hours: is required"):
        run("solve", str(bad))
