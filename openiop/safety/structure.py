"""The structure of a safety plan and of a relapse-prevention plan, as data (structures/*.json).

A structure names the plan's sections in order: each is a list of short lines ("warning signs") or a
list of contacts (name, phone, and for services the hours they can be reached). It also names the crisis
lines printed first on every plan of that kind. A stored plan keeps the id and version of the structure
it was written with, so a signed plan always reads back with the headings it was signed with.

We write our own headings and help texts: the Stanley-Brown form itself is copyrighted, the order of its
steps is published research (Stanley & Brown, 2012) and is what we follow.

Plain Python on purpose: no Django, no I/O beyond reading the structure files.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from openiop.core.datafile import version_key

FORMAT = "openiop-plan-structure/1"
SHIPPED_DIR = Path(__file__).with_name("structures")
KINDS = ("safety", "relapse_prevention")
SECTION_KINDS = ("list", "contacts")
PHONE_RULES = ("required", "optional")
MAX_ITEMS_LIMIT = 20
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

# 988 is the one line every plan carries whatever its data says (PRODUCT.md section 4): a structure file
# that lacks it still prints it, first. The Lifeline answers calls and texts at 988 (FCC, July 2022).
LIFELINE_988_PHONE = "988"


@dataclass(frozen=True)
class CrisisLine:
    name: str
    phone: str
    hours: str


LIFELINE_988 = CrisisLine(
    "988 Suicide & Crisis Lifeline", LIFELINE_988_PHONE, "24/7: call or text 988, or chat at 988lifeline.org"
)


@dataclass(frozen=True)
class Section:
    id: str
    kind: str  # "list" or "contacts"
    title: str
    prompt: str
    help: str
    required_to_sign: bool
    max_items: int
    phone: str = "required"  # contacts: "required" or "optional"
    hours: bool = False  # contacts: ask when they can be reached

    @property
    def is_contacts(self) -> bool:
        return self.kind == "contacts"


@dataclass(frozen=True)
class Structure:
    id: str
    version: str
    kind: str
    title: str
    intro: str
    licence: str
    source: str
    crisis_lines: tuple[CrisisLine, ...]
    sections: tuple[Section, ...]

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    @property
    def all_crisis_lines(self) -> tuple[CrisisLine, ...]:
        """The structure's crisis lines with the 988 Lifeline always first, even if the file lacks it."""
        others = tuple(line for line in self.crisis_lines if _digits(line.phone) != LIFELINE_988_PHONE)
        present = next(
            (line for line in self.crisis_lines if _digits(line.phone) == LIFELINE_988_PHONE), None
        )
        return (present or LIFELINE_988, *others)


class StructureError(ValueError):
    """A structure file that cannot be used; the message names each problem and where it is."""

    def __init__(self, problems: list[str], *, source: str):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _text(data: dict, key: str, where: str, problems: list[str], *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}.{key} must be a non-empty string")
        return ""
    return value.strip()


def parse_structure(data, *, source: str = "structure") -> Structure:
    """Validate a structure's JSON data and build it, or raise StructureError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise StructureError(["the document must be a JSON object"], source=source)
    if data.get("format") != FORMAT:
        problems.append(f"$.format must be {FORMAT!r}")
    if data.get("kind") not in KINDS:
        problems.append(f"$.kind must be one of {', '.join(KINDS)}")
    structure_id = _text(data, "id", "$", problems)
    if structure_id and not re.match(r"^[a-z0-9][a-z0-9_.-]*$", structure_id):
        problems.append("$.id may hold only lower-case letters, digits, '.', '_' and '-'")
    header = {
        key: _text(data, key, "$", problems) for key in ("version", "title", "intro", "licence", "source")
    }
    lines = []
    raw_lines = data.get("crisis_lines")
    if not isinstance(raw_lines, list):
        problems.append("$.crisis_lines must be a list")
        raw_lines = []
    for i, line in enumerate(raw_lines):
        where = f"$.crisis_lines[{i}]"
        if not isinstance(line, dict):
            problems.append(f"{where} must be an object")
            continue
        lines.append(CrisisLine(*(_text(line, key, where, problems) for key in ("name", "phone", "hours"))))
    sections, seen = [], set()
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append("$.sections must be a non-empty list")
        raw_sections = []
    for i, raw in enumerate(raw_sections):
        where = f"$.sections[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where} must be an object")
            continue
        section_id = _text(raw, "id", where, problems)
        if section_id and not _ID.match(section_id):
            problems.append(f"{where}.id must be lower_snake_case")
        if section_id in seen:
            problems.append(f"{where}.id {section_id!r} is used twice")
        seen.add(section_id)
        kind = raw.get("kind")
        if kind not in SECTION_KINDS:
            problems.append(f"{where}.kind must be one of {', '.join(SECTION_KINDS)}")
        max_items = raw.get("max_items", 10)
        if (
            not isinstance(max_items, int)
            or isinstance(max_items, bool)
            or not 1 <= max_items <= MAX_ITEMS_LIMIT
        ):
            problems.append(f"{where}.max_items must be a whole number from 1 to {MAX_ITEMS_LIMIT}")
            max_items = 10
        phone = raw.get("phone", "required")
        if kind == "contacts" and phone not in PHONE_RULES:
            problems.append(f"{where}.phone must be one of {', '.join(PHONE_RULES)}")
        for flag in ("required_to_sign", "hours"):
            if not isinstance(raw.get(flag, False), bool):
                problems.append(f"{where}.{flag} must be true or false")
        sections.append(
            Section(
                id=section_id,
                kind=kind if kind in SECTION_KINDS else "list",
                title=_text(raw, "title", where, problems),
                prompt=_text(raw, "prompt", where, problems),
                help=_text(raw, "help", where, problems, required=False),
                required_to_sign=raw.get("required_to_sign") is True,
                max_items=max_items,
                phone=phone if phone in PHONE_RULES else "required",
                hours=raw.get("hours") is True,
            )
        )
    if problems:
        raise StructureError(problems, source=source)
    return Structure(
        id=structure_id,
        kind=data["kind"],
        crisis_lines=tuple(lines),
        sections=tuple(sections),
        **header,
    )


def load_structure(path: Path) -> Structure:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise StructureError([f"cannot be read as JSON ({error})"], source=str(path)) from None
    return parse_structure(data, source=str(path))


def shipped_structures() -> tuple[Structure, ...]:
    """Every structure file shipped with OpenIOP, by kind then version. Raises on a broken file or a clash."""
    structures = [load_structure(path) for path in sorted(SHIPPED_DIR.glob("*.json"))]
    keys = [(s.id, s.version) for s in structures]
    clashes = {key for key in keys if keys.count(key) > 1}
    if clashes:
        raise StructureError(
            [f"{i} {v} is defined twice" for i, v in sorted(clashes)], source=str(SHIPPED_DIR)
        )
    return tuple(sorted(structures, key=lambda s: (s.kind, s.id, version_key(s.version))))
