"""Settings for the test suite: production settings with fast hashing and per-process caches.

Everything security-relevant (CSP, cookies, MFA middleware, access policies) stays as in production;
tests that exercise required MFA turn it on with `settings.OPENIOP_REQUIRE_STAFF_MFA = True`.
"""

import os

os.environ.setdefault("OPENIOP_TESTING", "1")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, INSTALLED_APPS, MIDDLEWARE, REDIS_URL, VAR_DIR  # noqa: E402

# Hashing with argon2 costs ~50 ms a login; tests log in thousands of times. Production keeps argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OPENIOP_REQUIRE_STAFF_MFA = False
# Serve static files from the apps directly (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Parallel test processes (pytest-xdist, `make test`) each take their own Redis database index, counting
# down from the configured one (gw0 keeps it, gw1 the one below...), because tests empty the cache between
# them. The environment is updated too, so app processes a test starts share its worker's index.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER:
    import urllib.parse

    _parts = urllib.parse.urlsplit(REDIS_URL)
    _index = int(_parts.path.strip("/") or 0) - int(_XDIST_WORKER.removeprefix("gw"))
    if _index < 0:
        raise RuntimeError(f"REDIS_URL {REDIS_URL} leaves no Redis database for test worker {_XDIST_WORKER}")
    REDIS_URL = os.environ["REDIS_URL"] = _parts._replace(path=f"/{_index}").geturl()

# The scale-out configuration (CI's PostgreSQL pass sets REDIS_URL to a scratch database index): keep
# Redis as the cache, so lockout and sessions are tested against it. Tests clear the cache between them,
# which empties that Redis database: never point REDIS_URL at a shared one when running tests.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# SQLite tests run on a file, not in memory, so they see what production sees: WAL, the busy timeout and
# IMMEDIATE transactions across connections (threads), rather than shared-cache table locks.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # One file per test process, so two runs at once (a developer's and an editor's) never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-openiop-{os.getpid()}.sqlite3")}

# N+1 detection (issue 10): every request in the tests runs inside django-zeal's context, and a lazy load
# repeated for several objects of one query (an N+1) is detected. It raises NPlusOneError, failing the test
# that made it, in the apps whose tests have been surveyed and cleared (conftest.ZEAL_STRICT, which grows
# until it is every app); elsewhere it warns. The middleware comes first so it also covers what the other
# middleware loads (session, user, MFA).
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = ["zeal.middleware.zeal_middleware", *MIDDLEWARE]
# OPENIOP_ZEAL_REPORT=<file> lists every N+1 of a run in that file (conftest.py), strict apps included,
# instead of failing the first test that makes one: for surveying the suite, never for CI.
ZEAL_RAISE = False
# Lazy loads that are not N+1s, each with the reason (model and field exactly; keep this list short).
ZEAL_ALLOWLIST = [
    # Each audit event locks and reads the chain head to take the next sequence number and the previous
    # digest (audit/services.py): one read per event is the hash chain's design, not a lazy load to batch.
    {"model": "audit.AuditChainHead", "field": "get()"},
    # Setting who is on call for a range of days upserts one row per day (measures/services.py): a write
    # bounded by the form's range, where get_or_create against the unique (program, day) is the point.
    {"model": "measures.OnCall", "field": "get()"},
]
