"""Backup and restore of the whole installation: the database, uploaded files and a manifest that proves both.

One archive (tar, gzip, mode 0600: it holds every chart) carries
- `database.sqlite3` (SQLite's online backup API, consistent while the app writes) or `database.pgdump`
  (`pg_dump --format=custom` of a snapshot exported from the same transaction the checksums are read in);
- `media/...`, the uploaded files under MEDIA_ROOT;
- `manifest.json`: format version, time, engine, the latest applied migration per app, per-table row counts
  and checksums (`backup_checksum`), the SHA-256 of every other member and the audit chain head.

`restore_archive` verifies all of it before touching anything and refuses with one line (`BackupError`).
"""

import contextlib
import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone

from openiop.audit.models import Action, AuditChainHead
from openiop.audit.services import audit_record

from .backup_checksum import table_checksum

FORMAT = "openiop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20


class BackupError(Exception):
    """A refusal with a one-line reason; nothing was changed."""


@dataclass
class RestoreSummary:
    archive: str
    created_at: str
    engine: str
    tables: int
    rows: int
    media_files: int
    audit_events: int
    notes: list[str] = field(default_factory=list)


# --- The configured database --------------------------------------------------------------------------


def engine_name(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def default_backup_dir(using: str = "default") -> Path:
    """BACKUP_DIR, else `backups/` next to the SQLite file, else `backups/` under the var directory."""
    if os.environ.get("BACKUP_DIR"):
        return Path(os.environ["BACKUP_DIR"])
    if engine_name(using) == "sqlite":
        return Path(connections[using].settings_dict["NAME"]).resolve().parent / "backups"
    return Path(settings.VAR_DIR) / "backups"


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq settings for pg_dump and pg_restore; the password goes in the environment, never on argv."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(settings_dict["OPTIONS"]["sslmode"])
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {last}")


def migration_state(using: str = "default") -> dict[str, str]:
    """The latest applied migration of each app (by name, which is how Django numbers them)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _checksummed_models(using: str):
    existing = set(connections[using].introspection.table_names())
    seen: set[str] = set()
    models = [MigrationRecorder(connections[using]).Migration]
    models += [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    for model in models:
        table = model._meta.db_table
        if table in existing and table not in seen:
            seen.add(table)
            yield table, model


def table_checksums(using: str = "default") -> dict[str, dict]:
    """Row count and checksum of every table Django knows (the cache table is left out: it is not data)."""
    sums = {}
    for table, model in _checksummed_models(using):
        fields = model._meta.concrete_fields
        pk_index = next(i for i, f in enumerate(fields) if f.primary_key)
        rows = model._base_manager.using(using).values_list(*[f.attname for f in fields]).order_by()
        total = table_checksum(rows.iterator(chunk_size=2000), pk_index=pk_index)
        sums[table] = {"rows": total.rows, "sha256": total.sha256}
    return dict(sorted(sums.items()))


def _chain_head(using: str) -> dict:
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    return {"seq": head.last_seq, "hash": head.last_hash} if head else {"seq": 0, "hash": "0" * 64}


@contextlib.contextmanager
def _sqlite_alias(path: Path):
    """A temporary connection alias to an SQLite file, so the ORM can read a snapshot the app never sees."""
    alias = f"backup_{os.getpid()}_{id(path)}"
    settings_dict = dict(connections["default"].settings_dict)
    settings_dict.update(NAME=str(path), OPTIONS={})
    # Registered as a connection but not in settings: Django treats it as created on the fly.
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


# --- Backup ---------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _sqlite_snapshot(target: Path, using: str) -> None:
    source = sqlite3.connect(str(connections[using].settings_dict["NAME"]), timeout=20)
    destination = sqlite3.connect(str(target))
    try:
        # Copies a consistent snapshot; writers are not blocked (WAL), and retried pages are re-copied.
        source.backup(destination)
        # A self-contained file: no -wal beside it to lose.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
        source.close()


def _database_dump(workdir: Path, using: str) -> tuple[str, Path, dict, dict]:
    """Dump the database and read its checksums, migration state and chain head from the same state."""
    engine = engine_name(using)
    if engine == "sqlite":
        dump = workdir / SQLITE_MEMBER
        _sqlite_snapshot(dump, using)
        with _sqlite_alias(dump) as alias:
            return (
                SQLITE_MEMBER,
                dump,
                table_checksums(alias),
                {
                    "migrations": migration_state(alias),
                    "audit_chain_head": _chain_head(alias),
                },
            )
    dump = workdir / POSTGRES_MEMBER
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            # One snapshot for pg_dump and for our reads, so the manifest describes exactly the dump.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        env = _pg_env(connection.settings_dict)
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"], env=env)
        return (
            POSTGRES_MEMBER,
            dump,
            table_checksums(using),
            {
                "migrations": migration_state(using),
                "audit_chain_head": _chain_head(using),
            },
        )


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        (MEDIA_PREFIX + path.relative_to(root).as_posix(), path)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(*, output: Path | None = None, using: str = "default") -> tuple[Path, dict]:
    """Write one archive (mode 0600) and return its path and manifest. Written beside, then renamed in."""
    engine = engine_name(using)
    created = timezone.now().astimezone(datetime.UTC)
    if output is None:
        output = default_backup_dir(using) / f"openiop-backup-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    output = Path(output)
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A backup is an export of every record: audited before the snapshot, so the archive holds its event.
    audit_record(
        action=Action.EXPORT,
        username="manage.py backup",
        object_type="backup",
        detail={"archive": output.name},
    )
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="openiop-backup-", dir=output.parent) as tmp:
        member, dump, sums, state = _database_dump(Path(tmp), using)
        members = {member: _sha256_file(dump)}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                    info = archive.gettarinfo(str(dump), arcname=member)
                    info.mode = 0o600
                    with dump.open("rb") as handle:
                        archive.addfile(info, handle)
                    for name, path in _media_files():
                        # Read once: the hash and the stored bytes are the same bytes.
                        data = path.read_bytes()
                        members[name] = hashlib.sha256(data).hexdigest()
                        _add_bytes(archive, name, data)
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": created.isoformat(),
                        "engine": engine,
                        **state,
                        "tables": sums,
                        "members": members,
                    }
                    _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
                # After the tar and gzip trailers are written: the archive is on disk before it gets its name.
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
    return output, manifest


# --- Verification ---------------------------------------------------------------------------------


def _check_migrations(archived: dict[str, str]) -> None:
    """Refuse an archive whose schema is newer than this code: the app could not read it."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for app, name in archived.items():
        if (app, name) not in known:
            raise BackupError(
                f"the archive's schema is newer than this code ({app}.{name} is unknown): upgrade first"
            )


def verify_archive(path: Path, *, using: str = "default") -> dict:
    """Read the whole archive and check it; return the manifest, or raise BackupError naming the fault."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no archive at {path}")
    hashes: dict[str, str] = {}
    manifest_bytes = None
    try:
        with gzip.open(path, "rb") as stream, tarfile.open(fileobj=stream, mode="r:") as archive:
            for info in archive:
                if not info.isfile():
                    raise BackupError(f"unexpected member {info.name!r} (not a regular file)")
                if info.name in hashes or (info.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(f"member {info.name!r} appears twice")
                handle = archive.extractfile(info)
                if info.name == MANIFEST:
                    manifest_bytes = handle.read()
                    continue
                hasher = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    hasher.update(chunk)
                hashes[info.name] = hasher.hexdigest()
            # tar stops at its end marker; reading on to the end checks gzip's CRC of the whole stream.
            while stream.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"the archive is unreadable (corrupted or truncated): {error}") from error
    if manifest_bytes is None:
        raise BackupError("the archive has no manifest.json")
    try:
        manifest = json.loads(manifest_bytes)
        expected = manifest["members"]
        engine = manifest["engine"]
        if manifest.get("format") != FORMAT:
            raise BackupError("manifest.json is not an OpenIOP backup manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"unsupported backup format version {manifest.get('format_version')}")
        manifest["tables"], manifest["migrations"], manifest["audit_chain_head"]  # noqa: B018
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"manifest.json is malformed: {error}") from error
    for name in sorted(set(expected) | set(hashes)):
        if name not in hashes:
            raise BackupError(f"member {name} is listed in the manifest but missing")
        if name not in expected:
            raise BackupError(f"member {name} is not listed in the manifest")
        if hashes[name] != expected[name]:
            raise BackupError(f"member {name} does not match its SHA-256 in the manifest (corrupted)")
    configured = engine_name(using)
    if engine != configured:
        raise BackupError(f"the archive is a {engine} backup but the configured database is {configured}")
    if (SQLITE_MEMBER if engine == "sqlite" else POSTGRES_MEMBER) not in hashes:
        raise BackupError("the archive holds no database dump")
    _check_migrations(manifest["migrations"])
    return manifest


# --- Restore --------------------------------------------------------------------------------------


def _compare(expected: dict, actual: dict, where: str) -> None:
    for table in sorted(set(expected) | set(actual)):
        if table not in expected:
            # A table this code adds that the archive's older schema lacked: `migrate` fills it.
            continue
        if actual.get(table) != expected[table]:
            raise BackupError(f"table {table} in {where} does not match the manifest's checksum")


def _extract(archive_path: Path, member: str, target: Path) -> None:
    with tarfile.open(archive_path, mode="r:gz") as archive:
        source = archive.extractfile(member)
        with target.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)


def _restore_sqlite(archive_path: Path, manifest: dict, using: str) -> None:
    live = Path(connections[using].settings_dict["NAME"])
    live.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite3", dir=live.parent)
    os.close(fd)
    staged = Path(name)
    try:
        _extract(archive_path, SQLITE_MEMBER, staged)
        check = sqlite3.connect(str(staged))
        try:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if result != "ok":
            raise BackupError(f"the archived database fails SQLite's integrity check: {result}")
        # The staged copy must match the manifest before the live database is touched.
        with _sqlite_alias(staged) as alias:
            _compare(manifest["tables"], table_checksums(alias), "the archived database")
        connections[using].close()
        source = sqlite3.connect(str(staged))
        destination = sqlite3.connect(str(live), timeout=20)
        try:
            # Copied into the live file in one write transaction rather than renamed over it: a rename
            # would leave the old file's -wal beside the new one, and open connections on the old inode.
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


def _restore_postgresql(archive_path: Path, using: str) -> None:
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="openiop-restore-") as tmp:
        dump = Path(tmp) / POSTGRES_MEMBER
        _extract(archive_path, POSTGRES_MEMBER, dump)
        connection.close()
        # One transaction: a failure part-way leaves the database as it was.
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ],
            env=_pg_env(connection.settings_dict),
        )


def _restore_media(archive_path: Path, manifest: dict) -> tuple[int, str | None]:
    """Put the archived files in place of MEDIA_ROOT; the files there before are kept aside, not deleted."""
    names = [name for name in manifest["members"] if name.startswith(MEDIA_PREFIX)]
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=root.parent))
    with tarfile.open(archive_path, mode="r:gz") as archive:
        members = [archive.getmember(name) for name in names]
        for info in members:
            info.name = info.name[len(MEDIA_PREFIX) :]
        # The "data" filter refuses absolute paths, links and anything escaping the target directory.
        archive.extractall(staged, members=members, filter="data")
    kept = None
    if root.exists() and any(root.iterdir()):
        kept = root.with_name(f"{root.name}.before-restore-{timezone.now():%Y%m%dT%H%M%S%f}")
        root.rename(kept)
    elif root.exists():
        root.rmdir()
    staged.rename(root)
    return len(names), str(kept) if kept else None


def restore_archive(path: Path, *, using: str = "default") -> RestoreSummary:
    """Verify, restore database then files, re-check every table and the audit chain; BackupError if not."""
    from openiop.audit.management.commands.audit_verify import find_break

    path = Path(path)
    manifest = verify_archive(path, using=using)
    if manifest["engine"] == "sqlite":
        _restore_sqlite(path, manifest, using)
    else:
        _restore_postgresql(path, using)
    connections[using].close()
    _compare(manifest["tables"], table_checksums(using), "the restored database")
    media_count, kept = _restore_media(path, manifest)
    verified, problem = find_break()
    if problem is not None:
        raise BackupError(
            f"restored, but the audit chain is broken at event #{problem.seq}: {problem.problem}"
        )
    audit_record(
        action=Action.UPDATE,
        username="manage.py restore",
        object_type="backup",
        detail={"restored": path.name, "backup_created_at": manifest["created_at"]},
    )
    notes = []
    if kept:
        notes.append(f"the files that were under MEDIA_ROOT are kept at {kept}")
    pending = _unapplied_migrations(using)
    if pending:
        notes.append(f"{pending} migrations of this code are not applied: run `manage.py migrate`")
    return RestoreSummary(
        archive=str(path),
        created_at=manifest["created_at"],
        engine=manifest["engine"],
        tables=len(manifest["tables"]),
        rows=sum(table["rows"] for table in manifest["tables"].values()),
        media_files=media_count,
        audit_events=verified,
        notes=notes,
    )


def _unapplied_migrations(using: str) -> int:
    loader = MigrationLoader(connections[using])
    return len(set(loader.graph.nodes) - set(loader.applied_migrations))
