"""Settings for the test suite: production settings with fast hashing and per-process caches.

Everything security-relevant (CSP, cookies, MFA middleware, access policies) stays as in production;
tests that exercise required MFA turn it on with `settings.OPENIOP_REQUIRE_STAFF_MFA = True`.
"""

import os

os.environ.setdefault("OPENIOP_TESTING", "1")

from config.settings import *  # noqa: E402,F403

# Hashing with argon2 costs ~50 ms a login; tests log in thousands of times. Production keeps argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OPENIOP_REQUIRE_STAFF_MFA = False
# Serve static files from the apps directly (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
