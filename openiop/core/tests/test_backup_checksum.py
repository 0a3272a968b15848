"""The per-table checksum of backups: one value, one text; rows in any order, one digest."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openiop.core.backup_checksum import normalize_value, row_digest, table_checksum


def test_booleans_are_not_integers():
    assert normalize_value(True) != normalize_value(1)
    assert normalize_value(False) != normalize_value(0)


def test_null_is_neither_empty_text_nor_the_letter_n():
    assert len({normalize_value(None), normalize_value(""), normalize_value("N")}) == 3


def test_decimals_compare_by_value_not_scale():
    # PostgreSQL returns a numeric column's scale (1.50), SQLite's REAL does not (1.5).
    assert normalize_value(decimal.Decimal("1.50")) == normalize_value(decimal.Decimal("1.5"))
    assert normalize_value(decimal.Decimal("0.00")) == normalize_value(decimal.Decimal("-0"))
    assert normalize_value(decimal.Decimal("10")) == normalize_value(decimal.Decimal("1E+1"))
    assert normalize_value(decimal.Decimal("1.5")) != normalize_value(decimal.Decimal("1.05"))


def test_aware_datetimes_compare_as_instants():
    utc = datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    new_york = utc.astimezone(ZoneInfo("America/New_York"))
    assert normalize_value(utc) == normalize_value(new_york)
    assert normalize_value(utc) != normalize_value(utc + datetime.timedelta(microseconds=1))
    assert normalize_value(utc) != normalize_value(utc.replace(tzinfo=None))


def test_dates_times_and_durations():
    assert normalize_value(datetime.date(2026, 1, 2)) == "D2026-01-02"
    assert normalize_value(datetime.time(9, 5)) == "T09:05:00.000000"
    assert normalize_value(datetime.timedelta(minutes=50)) == f"t{50 * 60 * 10**6}"


def test_bytes_read_the_same_from_either_engine():
    # psycopg returns memoryview, sqlite3 returns bytes.
    assert normalize_value(b"\x00\xff") == normalize_value(memoryview(b"\x00\xff")) == "x00ff"


def test_json_ignores_key_order():
    assert normalize_value({"a": 1, "b": [1, 2]}) == normalize_value({"b": [1, 2], "a": 1})
    assert normalize_value({"a": 1}) != normalize_value('{"a":1}')


def test_uuid_is_its_hex():
    value = uuid.uuid4()
    assert normalize_value(value) == f"u{value.hex}"


def test_values_cannot_run_into_each_other():
    assert row_digest(["ab", "c"]) != row_digest(["a", "bc"])
    assert row_digest(["a", None]) != row_digest(["a"])


def test_empty_table_has_a_fixed_checksum():
    assert table_checksum([]) == table_checksum([])
    assert table_checksum([]).rows == 0


def test_primary_key_column_may_be_anywhere():
    rows = [("x", 2), ("y", 1)]
    assert table_checksum(rows, pk_index=1) == table_checksum(list(reversed(rows)), pk_index=1)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.dates(),
    st.datetimes(timezones=st.just(datetime.UTC)),
    st.uuids(),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
)


@st.composite
def tables(draw):
    columns = draw(st.integers(min_value=1, max_value=4))
    keys = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=12, unique=True))
    return [(key, *draw(st.lists(scalars, min_size=columns, max_size=columns))) for key in keys]


@settings(max_examples=150, deadline=None)
@given(rows=tables(), data=st.data())
def test_the_same_rows_in_any_order_give_the_same_checksum(rows, data):
    shuffled = data.draw(st.permutations(rows))
    assert table_checksum(shuffled) == table_checksum(rows)


@settings(max_examples=150, deadline=None)
@given(rows=tables(), data=st.data())
def test_any_single_changed_value_changes_the_checksum(rows, data):
    row_index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column = data.draw(st.integers(min_value=1, max_value=len(rows[row_index]) - 1))
    new_value = data.draw(scalars)
    assume(normalize_value(new_value) != normalize_value(rows[row_index][column]))
    changed = list(rows)
    row = list(changed[row_index])
    row[column] = new_value
    changed[row_index] = tuple(row)
    assert table_checksum(changed) != table_checksum(rows)
    assert table_checksum(changed).rows == table_checksum(rows).rows


@settings(max_examples=100, deadline=None)
@given(rows=tables(), data=st.data())
def test_a_removed_row_changes_the_checksum(rows, data):
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    assert table_checksum(rows[:index] + rows[index + 1 :]) != table_checksum(rows)
