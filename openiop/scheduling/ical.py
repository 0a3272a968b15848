"""iCalendar (RFC 5545) rendering: plain events in, the text of a VCALENDAR out. No Django, no I/O.

Times are written in UTC ("…Z"): a TZID would oblige us to ship a VTIMEZONE with its DST rules, and
every calendar app shows UTC times in the reader's own zone anyway.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

CRLF = "\r\n"
# RFC 5545 3.1: content lines SHOULD NOT be longer than 75 octets, excluding the line break.
MAX_OCTETS = 75
# Control characters are not allowed in TEXT values (RFC 5545 3.3.11), except HTAB; newlines are escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime.datetime  # timezone-aware
    end: datetime.datetime
    stamp: datetime.datetime  # when the information was last revised (DTSTAMP, no METHOD semantics)
    summary: str
    location: str = ""
    cancelled: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def unescape_text(value: str) -> str:
    """The inverse of `escape_text` (for tests and for reading a feed back)."""
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            following = value[i + 1]
            out.append("\n" if following in "nN" else following)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def fold_line(line: str) -> str:
    """Fold one content line at 75 octets, never inside a UTF-8 character; continuations start with a
    space (RFC 5545 3.1). Returns the folded line without its final CRLF."""
    pieces, current, size = [], [], 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > MAX_OCTETS:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return CRLF.join(pieces)


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text, unfolded (a CRLF followed by a space or tab is removed)."""
    return [line for line in re.sub(r"\r\n[ \t]", "", text).split(CRLF) if line]


def utc_stamp(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.start)}",
        f"DTEND:{utc_stamp(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    lines.append("END:VEVENT")
    return lines


def render_calendar(events: Iterable[Event], *, prodid: str, name: str = "") -> str:
    """A complete VCALENDAR with one VEVENT per event: CRLF line ends, folded at 75 octets."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)
