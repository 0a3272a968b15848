"""Tests that play the attacker: change audit rows behind the app's back."""

import contextlib

from django.db import connection


@contextlib.contextmanager
def bypassing_append_only():
    """Let the block update or delete audit events, as a database superuser could (PostgreSQL refuses it
    otherwise, see audit migration 0002). Must run inside the test's transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
