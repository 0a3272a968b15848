"""The role walk's vocabulary, shared by core/tests/test_role_walk.py and each app's `tests/routes.py`.

An app adds its pages to the walk with a module `openiop/<app>/tests/routes.py` holding `ROUTES`
(route name -> (method, kwargs builder taking the walk's world, expectations by role)); the walk merges
every such table, so apps do not edit one shared file.
"""

ALLOW, REFUSE, BTG = "allow", "refuse", "btg"
ROLES = ["anonymous", "pat_a", "pat_b", "alice", "bob", "paul", "ivan", "dana", "charlie", "audrey", "adam"]
CLINICAL = {"alice", "bob", "paul", "ivan", "dana", "charlie"}
STAFF = CLINICAL | {"audrey", "adam"}
# Who opens patient_a's chart in the walk's world (bob must break the glass).
CHART_A = {"alice", "paul", "ivan", "dana"}


def only(*allowed, **special):
    table = {role: (ALLOW if role in allowed else REFUSE) for role in ROLES}
    table.update(special)
    return table


def app_tables(module: str, name: str) -> dict:
    """Merge `name` from `openiop.<app>.tests.<module>` of every installed openiop app that has one."""
    import importlib
    import importlib.util

    from django.conf import settings

    merged = {}
    for app in settings.INSTALLED_APPS:
        if not app.startswith("openiop."):
            continue
        dotted = f"{app}.tests.{module}"
        try:
            found = importlib.util.find_spec(dotted)
        except ModuleNotFoundError:
            found = None
        if found is None:
            continue
        table = getattr(importlib.import_module(dotted), name)
        clash = set(table) & set(merged)
        assert not clash, f"{dotted} walks {sorted(clash)} twice"
        merged.update(table)
    return merged
