"""The role walk's vocabulary, shared by core/tests/test_role_walk.py and each app's `tests/routes.py`.

An app adds its pages to the walk with a module `openiop/<app>/tests/routes.py` (or `routes_<part>.py`) holding `ROUTES`
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
    """Merge `name` from `openiop.<app>.tests.<module>` and `openiop.<app>.tests.<module>_*` (several
    people may add tables to one app) of every installed openiop app."""
    import importlib
    import importlib.util
    from pathlib import Path

    from django.conf import settings

    merged = {}
    for app in settings.INSTALLED_APPS:
        if not app.startswith("openiop."):
            continue
        spec = importlib.util.find_spec(f"{app}.tests")
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        stems = sorted(
            p.stem
            for p in folder.glob(f"{module}*.py")
            if p.stem == module or p.stem.startswith(module + "_")
        )
        for stem in stems:
            dotted = f"{app}.tests.{stem}"
            table = getattr(importlib.import_module(dotted), name)
            clash = set(table) & set(merged)
            assert not clash, f"{dotted} walks {sorted(clash)} twice"
            merged.update(table)
    return merged
