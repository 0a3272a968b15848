"""Negative control for bench/concurrent_writes.py (--control): the project settings with SQLite's
protections removed (DEFERRED transactions, no busy timeout), to show the benchmark does detect
"database is locked" when it happens. Never used by the application itself.
"""

from config.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "transaction_mode": "DEFERRED",
        "timeout": 0,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=0; PRAGMA foreign_keys=ON;",
    }
