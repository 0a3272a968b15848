"""Per-table checksums for backups, as pure functions: the same rows give the same digest on any engine.

SQLite and PostgreSQL hand the same stored value back as different Python types only before Django's
converters run (0/1 against True/False, text against datetime); the backup reads rows through the ORM,
so both engines give bool, int, Decimal, aware datetime, UUID, bytes or memoryview, dict or list. Each
value is written as a type tag and a normalized text, length-prefixed so no two rows can run together;
rows are taken in primary-key order, so the digest depends on the set of rows, never on insertion order.
"""

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _decimal_text(value: decimal.Decimal) -> str:
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"  # 0, 0.00 and -0 are one value
    # 1.50 (PostgreSQL keeps the column's scale) and 1.5 (SQLite's REAL) are one value.
    return format(value.normalize(), "f")


def normalize_value(value: object) -> str:
    """One stored value as tagged text; two values are equal as data exactly when their texts are equal."""
    if value is None:
        return "N"
    if isinstance(value, bool):  # before int: True is an int
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, decimal.Decimal):
        return f"d{_decimal_text(value)}"
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date
        if value.tzinfo is not None:
            utc = value.astimezone(datetime.UTC).replace(tzinfo=None)
            return f"z{utc.isoformat(timespec='microseconds')}"
        return f"n{value.isoformat(timespec='microseconds')}"
    if isinstance(value, datetime.date):
        return f"D{value.isoformat()}"
    if isinstance(value, datetime.time):
        return f"T{value.replace(tzinfo=None).isoformat(timespec='microseconds')}"
    if isinstance(value, datetime.timedelta):
        return f"t{value // datetime.timedelta(microseconds=1)}"
    if isinstance(value, uuid.UUID):
        return f"u{value.hex}"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"x{bytes(value).hex()}"
    if isinstance(value, str):
        return f"s{value}"
    if isinstance(value, dict | list):
        return f"j{json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False, default=str)}"
    return f"o{value}"


def row_digest(row: Sequence[object]) -> bytes:
    """SHA-256 of one row: each value's normalized text, length-prefixed, in column order."""
    hasher = hashlib.sha256()
    for value in row:
        text = normalize_value(value).encode()
        hasher.update(f"{len(text)}:".encode())
        hasher.update(text)
    return hasher.digest()


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


def table_checksum(rows: Iterable[Sequence[object]], *, pk_index: int = 0) -> TableSum:
    """Row count and SHA-256 of a table's rows taken in primary-key order, whatever order they arrive in.

    Keys are compared by their normalized text, so the order is the same on both engines (PostgreSQL and
    SQLite sort text keys by different collations). Only a key and a 32-byte digest per row are held.
    """
    keyed = [(normalize_value(row[pk_index]), row_digest(row)) for row in rows]
    keyed.sort()
    hasher = hashlib.sha256(f"rows:{len(keyed)}|".encode())
    for _, digest in keyed:
        hasher.update(digest)
    return TableSum(rows=len(keyed), sha256=hasher.hexdigest())
