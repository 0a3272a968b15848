"""`manage.py backup` and `restore`: a round trip gives back every table exactly; a bad archive changes nothing.

These run on whichever engine the suite runs on (CI runs it on SQLite and on PostgreSQL). They are
transactional tests: the backup reads committed data from its own connection (SQLite) or exports a
snapshot from a transaction of its own (PostgreSQL), as it does in production.
"""

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from openiop.accounts.models import User
from openiop.audit.management.commands.audit_verify import find_break
from openiop.audit.models import Action, AuditEvent
from openiop.audit.services import audit_record
from openiop.core.backup import (
    MANIFEST,
    BackupError,
    create_backup,
    restore_archive,
    table_checksums,
    verify_archive,
)

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    (settings.MEDIA_ROOT / "documents").mkdir(parents=True)
    (settings.MEDIA_ROOT / "documents" / "release.pdf").write_bytes(b"%PDF-1.7 synthetic release form")
    return settings.MEDIA_ROOT


@pytest.fixture
def backed_up(world, media, tmp_path):
    """A world with some audit history and one uploaded file, backed up to tmp_path."""
    audit_record(action=Action.VIEW, actor=world.alice, patient=world.patient_a, obj=world.patient_a)
    audit_record(action=Action.PRINT, actor=world.dana, patient=world.patient_b, obj=world.patient_b)
    path, manifest = create_backup(output=tmp_path / "backups" / "test.tar.gz")
    return world, path, manifest


def dump_member() -> str:
    return "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy an archive member by member, letting `change(members)` edit the dict of name -> bytes."""
    with tarfile.open(source, "r:gz") as archive:
        members = {info.name: archive.extractfile(info).read() for info in archive}
    change(members)
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return target


def edit_manifest(edit):
    def change(members):
        manifest = json.loads(members[MANIFEST])
        edit(manifest)
        members[MANIFEST] = json.dumps(manifest).encode()

    return change


# --- The archive --------------------------------------------------------------------------------------


def test_backup_writes_one_private_archive_with_dump_media_and_manifest(backed_up):
    world, path, manifest = backed_up
    assert path.stat().st_mode & 0o777 == 0o600
    with tarfile.open(path, "r:gz") as archive:
        names = archive.getnames()
    assert sorted(names) == sorted([dump_member(), "media/documents/release.pdf", MANIFEST])
    assert manifest["engine"] == connection.vendor
    assert manifest["format_version"] == 1
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["migrations"]["audit"].startswith("0")
    assert manifest["tables"]["patients_patient"]["rows"] == 3
    assert set(manifest["members"]) == {dump_member(), "media/documents/release.pdf"}
    # The backup's own export event is inside the archive: the head covers it.
    assert manifest["audit_chain_head"]["seq"] == AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(seq=3).action == Action.EXPORT
    assert not list(path.parent.glob("*.partial"))


def test_default_output_is_backup_dir(backed_up, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "elsewhere"))
    path, _ = create_backup()
    assert path.parent == tmp_path / "elsewhere"
    assert path.name.startswith("openiop-backup-") and path.name.endswith(".tar.gz")


def test_checksums_match_the_live_database_at_backup_time(backed_up):
    _, _, manifest = backed_up
    assert table_checksums() == manifest["tables"]


# --- Round trip ---------------------------------------------------------------------------------------


def test_round_trip_restores_every_table_and_the_audit_chain_verifies(backed_up, media):
    world, path, manifest = backed_up
    # Changes after the backup: a changed row, a new row, more audit events and a new upload.
    User.objects.filter(pk=world.alice.pk).update(first_name="Changed")
    User.objects.create_user(username="latecomer", password="x" * 16)
    audit_record(action=Action.VIEW, actor=world.bob, patient=world.patient_b, obj=world.patient_b)
    (media / "late.txt").write_text("uploaded after the backup")
    (media / "documents" / "release.pdf").write_bytes(b"overwritten")
    assert table_checksums() != manifest["tables"]

    summary = restore_archive(path)

    assert User.objects.get(pk=world.alice.pk).first_name == "Alice"
    assert not User.objects.filter(username="latecomer").exists()
    restored = table_checksums()
    # Every table as backed up, except the audit log, which now also records the restore itself.
    audit_tables = {"audit_auditevent", "audit_auditchainhead"}
    assert {t: s for t, s in restored.items() if t not in audit_tables} == {
        t: s for t, s in manifest["tables"].items() if t not in audit_tables
    }
    assert AuditEvent.objects.count() == manifest["audit_chain_head"]["seq"] + 1
    assert AuditEvent.objects.get(seq=AuditEvent.objects.count()).detail["restored"] == "test.tar.gz"
    assert find_break()[1] is None
    assert (media / "documents" / "release.pdf").read_bytes() == b"%PDF-1.7 synthetic release form"
    assert not (media / "late.txt").exists()
    assert summary.media_files == 1
    assert summary.audit_events == manifest["audit_chain_head"]["seq"]
    kept = Path(summary.notes[0].rsplit(" ", 1)[-1])
    assert (kept / "late.txt").exists()  # what was there before is set aside, never deleted


def test_restore_command_with_yes_prints_a_summary(backed_up, capsys):
    _, path, _ = backed_up
    call_command("restore", str(path), "--yes")
    out = capsys.readouterr().out
    assert "Archive verified" in out
    assert "match the manifest's checksums" in out
    assert "audit chain intact" in out


def test_backup_command_reports_the_archive(world, media, tmp_path, capsys):
    call_command("backup", "--output", str(tmp_path / "b.tar.gz"))
    assert "Backup written to" in capsys.readouterr().out
    assert verify_archive(tmp_path / "b.tar.gz")["engine"] == connection.vendor


# --- Refusals: nothing touched ------------------------------------------------------------------------


def _corrupt_dump(members):
    data = bytearray(members[dump_member()])
    data[len(data) // 2] ^= 0xFF
    members[dump_member()] = bytes(data)


def _flip_raw_byte(path: Path, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def _other_engine(manifest):
    manifest["engine"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"


CORRUPTIONS = {
    "flipped byte in the dump": (
        lambda p, t: rewrite(p, t, _corrupt_dump),
        "database.",
    ),
    "flipped byte in the compressed file": (_flip_raw_byte, ""),
    "truncated": (lambda p, t: (t.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), t)[1], "unreadable"),
    "no manifest": (lambda p, t: rewrite(p, t, lambda m: m.pop(MANIFEST)), "no manifest.json"),
    "wrong checksum in the manifest": (
        lambda p, t: rewrite(p, t, edit_manifest(lambda m: m["members"].update({dump_member(): "0" * 64}))),
        "does not match its SHA-256",
    ),
    "member missing": (
        lambda p, t: rewrite(p, t, lambda m: m.pop("media/documents/release.pdf")),
        "listed in the manifest but missing",
    ),
    "member added": (
        lambda p, t: rewrite(p, t, lambda m: m.update({"media/planted.html": b"<script>"})),
        "not listed in the manifest",
    ),
    "other engine": (lambda p, t: rewrite(p, t, edit_manifest(_other_engine)), "configured database is"),
    "newer schema": (
        lambda p, t: rewrite(p, t, edit_manifest(lambda m: m["migrations"].update({"audit": "9999_future"}))),
        "newer than this code",
    ),
    "not json": (lambda p, t: rewrite(p, t, lambda m: m.update({MANIFEST: b"{not json"})), "malformed"),
}


def test_corrupted_archives_are_refused_and_nothing_is_touched(backed_up, media, tmp_path, capsys):
    # One backup for every kind of damage (a backup and a flush per case would cost minutes on PostgreSQL).
    world, path, _ = backed_up
    User.objects.filter(pk=world.alice.pk).update(first_name="Changed")
    (media / "late.txt").write_text("uploaded after the backup")
    before = table_checksums()
    for corruption, (make, message) in CORRUPTIONS.items():
        bad = make(path, tmp_path / f"{corruption.replace(' ', '-')}.tar.gz")

        with pytest.raises(SystemExit) as exit_info:
            call_command("restore", str(bad), "--yes")

        assert exit_info.value.code == 1, corruption
        err = capsys.readouterr().err.strip()
        assert err.startswith("Restore refused: "), corruption
        assert message in err, (corruption, err)
        assert len(err.splitlines()) == 1, corruption
        assert table_checksums() == before, corruption
        assert User.objects.get(pk=world.alice.pk).first_name == "Changed", corruption
        assert (media / "late.txt").exists(), corruption
        assert not list(media.parent.glob("private.before-restore-*")), corruption
    assert len(CORRUPTIONS) == 10


def test_a_flipped_byte_anywhere_after_the_gzip_header_is_refused_unless_it_changes_nothing(
    backed_up, tmp_path
):
    _, path, _ = backed_up
    data = path.read_bytes()
    content = gzip.decompress(data)
    # Bytes 0-9 are gzip's header (its timestamp is not checked: a flip there changes no data).
    positions = sorted({10, len(data) - 1, *range(10, len(data), max(1, len(data) // 40))})
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= 0x55
        bad = tmp_path / "flipped.tar.gz"
        bad.write_bytes(bytes(damaged))
        try:
            verify_archive(bad)
        except BackupError:
            continue
        # Deflate has a few redundant bits (about 5 positions in 48 kB of archive, e.g. the code length of a
        # symbol the block never uses): a flip there decodes to the very same bytes, so nothing was damaged
        # and the archive restores exactly what was backed up. Any other accepted flip is a failure.
        assert gzip.decompress(bytes(damaged)) == content, f"a flip at byte {position} went unnoticed"


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_archive_whose_tables_differ_from_the_manifest_is_refused_before_the_live_file(
    backed_up, tmp_path
):
    world, path, _ = backed_up

    def change(manifest):
        manifest["tables"]["accounts_user"]["sha256"] = "0" * 64

    bad = rewrite(path, tmp_path / "bad.tar.gz", edit_manifest(change))
    User.objects.filter(pk=world.alice.pk).update(first_name="Changed")
    with pytest.raises(BackupError, match="accounts_user in the archived database"):
        restore_archive(bad)
    assert User.objects.get(pk=world.alice.pk).first_name == "Changed"


def test_missing_archive_is_refused(db, tmp_path):
    with pytest.raises(BackupError, match="no archive at"):
        verify_archive(tmp_path / "nothing.tar.gz")


def test_restore_without_yes_is_refused_when_not_interactive(backed_up, capsys, monkeypatch):
    world, path, _ = backed_up
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    User.objects.filter(pk=world.alice.pk).update(first_name="Changed")
    with pytest.raises(SystemExit):
        call_command("restore", str(path))
    assert "pass --yes" in capsys.readouterr().err
    assert User.objects.get(pk=world.alice.pk).first_name == "Changed"


def test_restore_asks_and_stops_unless_confirmed(backed_up, capsys, monkeypatch):
    world, path, _ = backed_up
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    User.objects.filter(pk=world.alice.pk).update(first_name="Changed")
    with pytest.raises(SystemExit):
        call_command("restore", str(path))
    assert "not confirmed" in capsys.readouterr().err
    assert User.objects.get(pk=world.alice.pk).first_name == "Changed"


# --- The restore drill: into a scratch database, by the command, as an operator runs it -----------------


def _scratch_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "BACKUP_DIR"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", OPENIOP_VAR_DIR=str(tmp_path / "scratch-var"))
    return env


def _psql(sql: str) -> None:
    db = connection.settings_dict
    command = ["psql", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = dict(os.environ, PGPASSWORD=db["PASSWORD"] or "")
    subprocess.run([*command, "-d", "postgres", "-q", "-c", sql], env=env, check=True)  # noqa: S603


def test_restore_drill_into_a_scratch_database(backed_up, tmp_path):
    _, path, manifest = backed_up
    env = _scratch_env(tmp_path)
    scratch = None
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        scratch = f"openiop_restore_drill_{os.getpid()}"
        _psql(f"DROP DATABASE IF EXISTS {scratch}")
        _psql(f"CREATE DATABASE {scratch}")
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{scratch}"
        )
    try:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "restore", str(path), "--yes"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        if scratch:
            _psql(f"DROP DATABASE IF EXISTS {scratch}")
    assert result.returncode == 0, result.stderr
    rows = sum(table["rows"] for table in manifest["tables"].values())
    assert f"{len(manifest['tables'])} tables and {rows} rows match the manifest's checksums" in result.stdout
    assert f"audit chain intact ({manifest['audit_chain_head']['seq']} events)" in result.stdout
    assert (tmp_path / "scratch-var" / "private" / "documents" / "release.pdf").exists()
