"""The content of a plan, checked against its structure: pure functions, plain data in and out.

Content is a dict keyed by section id. A "list" section holds short lines; a "contacts" section holds
dicts {"name", "phone"[, "hours"]}. `clean_content` turns what a form or the API sent into content (lines
trimmed, list markers and blank rows dropped, duplicates removed) and returns every problem, keyed by
section, in words meant for the person typing. Whatever the input, the result only has the structure's
sections, each within its limits, so a stored plan always renders.
"""

import re
import unicodedata
from collections.abc import Mapping

from .structure import Section, Structure

MAX_LINE = 300
MAX_NAME = 120
MAX_PHONE = 30
MAX_HOURS = 80
# Phone-like, not a particular country's plan: 3 digits (988, 911) up to E.164's 15, optional "+",
# the usual separators, and an extension.
MIN_DIGITS, MAX_DIGITS = 3, 15
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}$", re.IGNORECASE)
_PHONE_BODY = re.compile(r"^\+?[0-9()\s./-]+$")
# "- item", "* item", "• item", "1. item", "2) item": people paste lists.
_MARKER = re.compile(r"^(?:(?:[-*•·]|\d{1,2}[.)])(?:\s+|$))+")


def _tidy(text: str) -> str:
    """One line of plain text: control characters out, runs of whitespace collapsed."""
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(text.split())


def is_phone_like(text: str) -> bool:
    text = text.strip()
    if not text or len(text) > MAX_PHONE:
        return False
    body = _EXTENSION.sub("", text)
    if not _PHONE_BODY.match(body):
        return False
    return MIN_DIGITS <= sum(ch.isdigit() for ch in body) <= MAX_DIGITS


def lines_of(text: str) -> list[str]:
    """The non-blank lines of a textarea, list markers removed."""
    return [line for line in (_line(raw) for raw in text.splitlines()) if line]


def _line(text: str) -> str:
    """One entry: tidied, without a leading list marker."""
    return _MARKER.sub("", _tidy(text)).strip()


def _clean_list(section: Section, raw, errors: list[str]) -> list[str]:
    if isinstance(raw, str):
        raw = lines_of(raw)
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        errors.append("Send a list of lines of text.")
        return []
    items, seen = [], set()
    for item in raw:
        line = _line(item)
        if not line or line.casefold() in seen:
            continue
        seen.add(line.casefold())
        if len(line) > MAX_LINE:
            errors.append(
                f"Keep each line under {MAX_LINE} characters (line {len(items) + 1} is {len(line)})."
            )
            line = line[:MAX_LINE].rstrip()
        items.append(line)
    if len(items) > section.max_items:
        errors.append(f"At most {section.max_items} lines here; there are {len(items)}.")
        items = items[: section.max_items]
    return items


def _clean_contacts(section: Section, raw, errors: list[str]) -> list[dict]:
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        errors.append("Send a list of contacts, each with a name and a phone number.")
        return []
    contacts = []
    for row in raw:
        values = {key: row.get(key, "") for key in ("name", "phone", "hours")}
        if not all(isinstance(value, str) for value in values.values()):
            errors.append("Names, phone numbers and hours must be text.")
            continue
        name, phone, hours = (_tidy(values[key]) for key in ("name", "phone", "hours"))
        if not section.hours:
            hours = ""
        if not (name or phone or hours):
            continue  # a blank row of the form
        label = name or f"contact {len(contacts) + 1}"
        if not name:
            errors.append(f"Add a name for {phone or 'each contact'}.")
        if len(name) > MAX_NAME:
            errors.append(f"Keep names under {MAX_NAME} characters.")
            name = name[:MAX_NAME].rstrip()
        if phone and not is_phone_like(phone):
            errors.append(
                f"The phone number of {label} does not look like a phone number: use digits, spaces, "
                f"+ ( ) - . and an extension (e.g. 555-201-3344 ext 12)."
            )
        elif not phone and section.phone == "required":
            errors.append(f"Add a phone number for {label}.")
        if len(hours) > MAX_HOURS:
            errors.append(f"Keep the hours of {label} under {MAX_HOURS} characters.")
            hours = hours[:MAX_HOURS].rstrip()
        contact = {"name": name, "phone": phone[:MAX_PHONE].rstrip()}
        if section.hours:
            contact["hours"] = hours
        contacts.append(contact)
    if len(contacts) > section.max_items:
        errors.append(f"At most {section.max_items} contacts here; there are {len(contacts)}.")
        contacts = contacts[: section.max_items]
    return contacts


def clean_content(structure: Structure, raw: Mapping) -> tuple[dict, dict[str, list[str]]]:
    """(content, errors): content has every section of the structure; errors maps a section id (or
    "__all__") to its messages. Content is usable even when there are errors (it keeps what was valid)."""
    content: dict = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, Mapping):
        return empty_content(structure), {"__all__": ["Send the plan's sections as an object."]}
    known = {section.id for section in structure.sections}
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        errors["__all__"] = [f"This plan has no section {', '.join(unknown)}."]
    for section in structure.sections:
        problems: list[str] = []
        value = raw.get(section.id, [])
        if section.is_contacts:
            content[section.id] = _clean_contacts(section, value, problems)
        else:
            content[section.id] = _clean_list(section, value, problems)
        if problems:
            errors[section.id] = problems
    return content, errors


def empty_content(structure: Structure) -> dict:
    return {section.id: [] for section in structure.sections}


def readable_content(structure: Structure, stored) -> dict:
    """Stored content as it will be shown: every section present, anything malformed left out.

    A signed plan is never changed; this only protects the screen and the PDF from a damaged row."""
    content, _ = clean_content(structure, {k: v for k, v in (stored or {}).items() if k in _ids(structure)})
    return content


def _ids(structure: Structure) -> set[str]:
    return {section.id for section in structure.sections}


def missing_to_sign(structure: Structure, content: Mapping) -> list[Section]:
    """The sections that must have at least one entry before the plan can be signed, and have none."""
    return [s for s in structure.sections if s.required_to_sign and not content.get(s.id)]


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.findall(r"[\w']+", plain)


def name_matches(typed: str, *, given: str, family: str, preferred: str = "") -> bool:
    """Whether a typed full name is this person's: the family name and the given (or preferred) name,
    in any case and with or without accents; middle names and initials may be added."""
    words = _words(typed)
    family_words = _words(family)
    if not family_words or not words:
        return False
    has_family = any(
        words[i : i + len(family_words)] == family_words for i in range(len(words) - len(family_words) + 1)
    )
    firsts = [_words(name) for name in (given, preferred) if name.strip()]
    has_given = any(first and words[: len(first)] == first for first in firsts)
    return has_family and has_given
