"""The iCalendar renderer: RFC 5545 structure, escaping, folding at 75 octets, cancelled sessions."""

import datetime
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from openiop.scheduling import ical

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def event(**overrides) -> ical.Event:
    values = {
        "uid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427@openiop.example",
        "start": datetime.datetime(2026, 11, 16, 9, tzinfo=NEW_YORK),
        "end": datetime.datetime(2026, 11, 16, 12, tzinfo=NEW_YORK),
        "stamp": datetime.datetime(2026, 11, 1, 8, 30, tzinfo=datetime.UTC),
        "summary": "Group therapy",
        "location": "Room 1",
    }
    values.update(overrides)
    return ical.Event(**values)


def test_a_calendar_has_the_required_properties_and_crlf_line_ends():
    text = ical.render_calendar([event()], prodid="-//OpenIOP//Test//EN", name="Sessions")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//OpenIOP//Test//EN\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = ical.unfold(text)
    assert lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1] == [
        "BEGIN:VEVENT",
        "UID:1b4e28ba-2fa1-11d2-883f-0016d3cca427@openiop.example",
        "DTSTAMP:20261101T083000Z",
        # 09:00 in New York in November (EST, UTC-5) is 14:00 UTC.
        "DTSTART:20261116T140000Z",
        "DTEND:20261116T170000Z",
        "SUMMARY:Group therapy",
        "LOCATION:Room 1",
        "STATUS:CONFIRMED",
        "END:VEVENT",
    ]


def test_summer_time_is_converted_to_utc():
    summer = event(start=datetime.datetime(2026, 7, 6, 9, tzinfo=NEW_YORK))
    assert "DTSTART:20260706T130000Z" in ical.unfold(ical.render_calendar([summer], prodid="x"))


def test_a_cancelled_session_is_a_cancelled_event():
    lines = ical.unfold(ical.render_calendar([event(cancelled=True)], prodid="x"))
    assert "STATUS:CANCELLED" in lines
    assert "STATUS:CONFIRMED" not in lines


def test_an_event_without_a_place_has_no_location():
    lines = ical.unfold(ical.render_calendar([event(location="")], prodid="x"))
    assert not any(line.startswith("LOCATION") for line in lines)


def test_naive_times_are_refused():
    import pytest

    with pytest.raises(ValueError, match="timezone-aware"):
        ical.utc_stamp(datetime.datetime(2026, 11, 16, 9))  # noqa: DTZ001


def test_commas_semicolons_backslashes_and_newlines_are_escaped():
    assert ical.escape_text("Room 1, east; wing\\B\nfloor 2") == "Room 1\\, east\\; wing\\\\B\\nfloor 2"
    assert ical.escape_text("a\r\nb\rc") == "a\\nb\\nc"
    assert ical.escape_text("bell\x07") == "bell"


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    summary = "Psychoéducation " * 12
    text = ical.render_calendar([event(summary=summary)], prodid="x")
    physical = text.split("\r\n")
    assert max(len(line.encode("utf-8")) for line in physical) <= 75
    assert any(line.startswith(" ") for line in physical)
    for line in physical:
        line.encode("utf-8").decode("utf-8")  # each physical line is whole characters
    assert f"SUMMARY:{summary}" in ical.unfold(text)


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "X" * 75
    assert ical.fold_line(line) == line
    assert ical.fold_line(line + "Y") == line + "\r\n Y"


TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(["\n", "\t", ",", ";", "\\", ":", "é", "日", "😀"]),
    )
)


@given(TEXT)
def test_any_text_round_trips_through_escape_fold_and_unfold(text):
    folded = ical.fold_line("SUMMARY:" + ical.escape_text(text))
    assert all(len(line.encode("utf-8")) <= 75 for line in folded.split("\r\n"))
    (line,) = ical.unfold(folded + "\r\n")
    assert ical.unescape_text(line.removeprefix("SUMMARY:")) == text
