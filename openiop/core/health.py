"""Liveness and readiness for load balancers and orchestrators.

`/healthz` answers while the process can serve a request: no database, no session, no auth, so a database
outage does not make every app process look dead and get restarted in a loop. `/readyz` says whether this
process may be sent traffic: the database answers, every migration is applied (a new release started
before `migrate` is not ready), and the cache answers (Redis when REDIS_URL is set, else the database
cache table that login rate limits need). A failure names the check only: never a host, a user name or
an exception message, which can carry connection strings.

Neither reads PHI, so neither writes an audit event. Both are excluded from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT) because probes often speak plain HTTP to the app process directly.
"""

import logging
from collections.abc import Callable, Mapping

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from openiop.core.access import PUBLIC, policy

logger = logging.getLogger("openiop.health")

CACHE_PROBE_KEY = "openiop:readyz"

# Once this process has seen every migration applied it stays so: migrations are never unapplied under a
# running release, and building the migration graph on every probe would cost more than the probe itself.
_migrations_applied = False


def run_checks(checks: Mapping[str, Callable[[], None]]) -> tuple[bool, dict]:
    """Run each check (a callable that raises on failure). Returns (ready, body): the body maps every
    check to "ok" when all pass, else lists the failing checks' names only."""
    failing = []
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure makes the process not ready
            # The exception's class only: messages from drivers can include hosts and user names.
            logger.warning("readiness check %s failed (%s)", name, type(exc).__name__)
            failing.append(name)
    if failing:
        return False, {"status": "unavailable", "failing": failing}
    return True, dict.fromkeys(checks, "ok")


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrations_applied = True


def check_cache() -> None:
    cache.set(CACHE_PROBE_KEY, "1", timeout=10)
    if cache.get(CACHE_PROBE_KEY) != "1":
        raise RuntimeError("cache did not return what was stored")


READINESS_CHECKS = {"database": check_database, "migrations": check_migrations, "cache": check_cache}


@policy(PUBLIC)
@never_cache
@require_safe
def healthz(request):
    """Liveness: the process answers. Nothing else is touched."""
    return HttpResponse("ok", content_type="text/plain")


@policy(PUBLIC)
@never_cache
@require_safe
def readyz(request):
    """Readiness: 200 with each check "ok", or 503 naming the failing checks."""
    ready, body = run_checks(READINESS_CHECKS)
    return JsonResponse(body, status=200 if ready else 503)


app_name = "health"
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
