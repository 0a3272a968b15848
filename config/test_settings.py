"""Settings for the test suite: production settings with fast hashing and per-process caches.

Everything security-relevant (CSP, cookies, MFA middleware, access policies) stays as in production;
tests that exercise required MFA turn it on with `settings.OPENIOP_REQUIRE_STAFF_MFA = True`.
"""

import os

os.environ.setdefault("OPENIOP_TESTING", "1")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, REDIS_URL, VAR_DIR  # noqa: E402

# Hashing with argon2 costs ~50 ms a login; tests log in thousands of times. Production keeps argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OPENIOP_REQUIRE_STAFF_MFA = False
# Serve static files from the apps directly (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

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
