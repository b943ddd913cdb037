"""``ptdv backup`` and ``ptdv restore``: the demo data round-trips, every table equal.

The tests commit (``transactional_db``): a backup reads committed rows in its own transaction,
and a restore replaces the tables in one transaction of its own.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from datetime import date
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from ptdv.accounts.models import Role, User
from ptdv.backup import archive
from ptdv.demo.builder import Builder, demo_shape
from ptdv.demo.users import create_demo_users
from ptdv.people.models import Person
from ptdv.pipeline.models import CalendarDay, Candidacy, Event, MentorReport
from ptdv.reports.models import Target
from ptdv.rules.stages import Stage
from tests.base import advance, build_world, introducers_for, new_candidacy

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 11, 23)
MEDIA_FILE = "ho-so/bien-ban-chi-bo.pdf"
MEDIA_BYTES = b"%PDF-1.4 bien ban \xc4\x91\xe1\xba\xa1i h\xe1\xbb\x99i\n" * 50


def snapshot() -> dict[str, list]:
    """Every row of every table, by model label (auto-created many-to-many tables too).

    The rows of a many-to-many table are compared without their own ``id``, which the archive
    does not keep (the pairs are saved with their object, as in ``dumpdata``).
    """
    tables: dict[str, list] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.proxy or not model._meta.managed or label in archive.EXCLUDED:
            continue
        rows = model._base_manager.all()
        if model._meta.auto_created:
            columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            tables[label] = sorted(rows.values_list(*columns))
        else:
            tables[label] = list(rows.order_by("pk").values())
    return tables


def rewrite(source: Path, target: Path, change) -> None:
    """Copy the archive ``source`` to ``target``, passing each member through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)


def with_data(data_lines: list[bytes]):
    """A ``change`` that replaces data.jsonl and records its SHA-256 in the manifest."""
    data = b"".join(data_lines)

    def change(name: str, content: bytes) -> bytes:
        if name == archive.DATA:
            return data
        if name == archive.MANIFEST:
            manifest = json.loads(content)
            manifest["data_sha256"] = hashlib.sha256(data).hexdigest()
            return json.dumps(manifest).encode()
        return content

    return change


def restore_refused(path: Path, match: str, **options) -> str:
    with pytest.raises(CommandError, match=match) as refused:
        call_command("restore", str(path), verbosity=0, **options)
    return str(refused.value)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / MEDIA_FILE).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / MEDIA_FILE).write_bytes(MEDIA_BYTES)
    return settings.MEDIA_ROOT


@pytest.mark.slow
def test_the_demo_data_round_trips_and_every_table_is_equal(media, tmp_path):
    Builder(demo_shape(), TODAY).build()
    create_demo_users()
    before = snapshot()
    assert sum(map(len, before.values())) > 15_000
    assert len(before["pipeline.event"]) > 5_000

    path = tmp_path / "ptdv.zip"
    call_command("backup", str(path), verbosity=0)
    manifest = archive.read_manifest(path)
    assert manifest["counts"]["pipeline.event"] == len(before["pipeline.event"])
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["media"]["files"] == 1
    assert "sessions.session" not in manifest["counts"]
    assert path.stat().st_mode & 0o077 == 0, "personal data: readable by its owner only"

    # Change everything a restore must undo: rows deleted behind the ORM's back (events are
    # append-only), rows changed, rows added (a user, its audit entry, a session), the files.
    events = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MentorReport._meta.db_table}")
        # The latest 50 events (corrections are written last, so nothing points to them).
        cursor.execute(f"DELETE FROM {events} WHERE id > (SELECT MAX(id) - 50 FROM {events})")
    Person.objects.filter(pk__in=Person.objects.order_by("pk").values("pk")[:100]).update(
        full_name="Nguyễn Văn Đổi"
    )
    Target.objects.all().delete()
    CalendarDay.objects.create(date=date(2026, 12, 31), name="Nghỉ bù")
    User.objects.create_user("moi", organisation=None, role=Role.VIEWER)
    SessionStore().create()
    (media / MEDIA_FILE).unlink()
    (media / "moi.txt").write_text("sau khi sao lưu")
    assert snapshot() != before

    out = call_command_output("restore", str(path), "--yes")
    assert "Đã khôi phục" in out
    assert snapshot() == before
    assert not Session.objects.exists(), "a restore logs everyone out"
    assert (media / MEDIA_FILE).read_bytes() == MEDIA_BYTES
    assert (media / "moi.txt").exists(), "files not in the archive are left alone"

    # The sequences continue after the restored keys (PostgreSQL: setval; SQLite: the inserts).
    user = User.objects.create_user("sau", organisation=None, role=Role.VIEWER)
    assert user.pk == max(row["id"] for row in before["accounts.user"]) + 1
    # Events are still append-only after a restore.
    with pytest.raises(RuntimeError):
        Event.objects.order_by("pk").first().delete()


def call_command_output(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small(media, tmp_path) -> tuple[Path, dict]:
    """A small world with a few events, backed up; the archive's path and the snapshot."""
    world = build_world()
    candidacy = new_candidacy(world)
    advance(candidacy, Stage.DOSSIER, introducers_for(world, candidacy.cell))
    path = tmp_path / "small.zip"
    call_command("backup", str(path), verbosity=0)
    return path, snapshot()


def test_restore_refuses_without_yes(small):
    path, before = small
    Candidacy.objects.update(next_due_code="đã sửa")
    changed = snapshot()
    restore_refused(path, "--yes")
    restore_refused(path, "--yes", interactive=False)
    with mock.patch("sys.stdin.isatty", return_value=True), mock.patch("builtins.input") as ask:
        ask.return_value = "không"
        restore_refused(path, "Đã hủy")
        assert snapshot() == changed
        ask.return_value = "yes"
        call_command("restore", str(path), verbosity=0)
    assert snapshot() == before


def test_a_damaged_archive_is_refused_and_the_database_stays_as_it_was(small, tmp_path):
    path, before = small
    with zipfile.ZipFile(path) as zf:
        lines = zf.read(archive.DATA).splitlines(keepends=True)

    # A byte of the data changed after the backup: the checksum catches it before anything.
    flipped = tmp_path / "flipped.zip"
    rewrite(
        path,
        flipped,
        lambda name, data: data.replace(b"Nguy", b"Nguz", 1) if name == archive.DATA else data,
    )
    restore_refused(flipped, "SHA-256", yes=True)

    # Bytes of the compressed stream flipped in the file itself: the zip's CRC or deflate fails.
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(archive.DATA)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 100
    for i in range(start, start + 16):
        raw[i] ^= 0xFF
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(raw))
    restore_refused(broken, "bị hỏng", yes=True)

    # A consistent archive whose last row points to nothing: the tables were already emptied
    # and most rows inserted when the foreign key check fails; all of it is rolled back.
    last = json.loads(lines[-1])
    fk = next(
        name for name, value in last["fields"].items() if isinstance(value, int) and value > 0
    )
    last["fields"][fk] = 987_654_321
    dangling = tmp_path / "dangling.zip"
    rewrite(path, dangling, with_data([*lines[:-1], json.dumps(last).encode() + b"\n"]))
    restore_refused(dangling, "giữ nguyên", yes=True)

    # The same with a line that is not JSON.
    garbage = tmp_path / "garbage.zip"
    rewrite(path, garbage, with_data([*lines[:-1], b"{not json\n"]))
    restore_refused(garbage, "giữ nguyên", yes=True)

    # Fewer rows than the manifest says.
    short = tmp_path / "short.zip"
    rewrite(path, short, with_data(lines[:-1]))
    restore_refused(short, "số bản ghi", yes=True)

    assert snapshot() == before


def test_what_is_not_a_ptdv_archive_or_not_this_schema_is_refused(small, tmp_path):
    path, before = small
    restore_refused(tmp_path / "khong-co.zip", "Không tìm thấy", yes=True)
    text = tmp_path / "ghi-chu.txt"
    text.write_text("không phải zip")
    restore_refused(text, "không phải là tệp sao lưu", yes=True)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "xin chào")
    restore_refused(other, "không phải là tệp sao lưu", yes=True)

    def future(name: str, data: bytes) -> bytes:
        if name == archive.MANIFEST:
            manifest = json.loads(data)
            manifest["migrations"]["pipeline"].append("9999_tuong_lai")
            return json.dumps(manifest).encode()
        return data

    newer = tmp_path / "newer.zip"
    rewrite(path, newer, future)
    restore_refused(newer, "pipeline: tệp sao lưu có 9999_tuong_lai", yes=True)

    def version(name: str, data: bytes) -> bytes:
        if name == archive.MANIFEST:
            return json.dumps({**json.loads(data), "format_version": 2}).encode()
        return data

    unknown = tmp_path / "format2.zip"
    rewrite(path, unknown, version)
    restore_refused(unknown, "định dạng phiên bản 2", yes=True)
    assert snapshot() == before


def test_media_paths_outside_media_root_are_refused(small, tmp_path, media):
    path, before = small
    evil = tmp_path / "evil.zip"
    rewrite(path, evil, lambda name, data: data)
    with zipfile.ZipFile(evil, "a") as zf:
        zf.writestr("media/../../thoat.txt", "x")
    restore_refused(evil, "đường dẫn không hợp lệ", yes=True)
    assert not (tmp_path / "thoat.txt").exists()
    assert not any(p.name.startswith(".ptdv-restore-") for p in media.parent.iterdir())
    assert snapshot() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a snapshot read needs PostgreSQL")
def test_the_backup_is_one_snapshot_while_others_write(small, tmp_path):
    """A row committed by another connection during the backup is not in the archive."""
    write_rows = archive._write_rows

    def write_during_backup(*args, **kwargs):
        def other_user():
            CalendarDay.objects.create(date=date(2027, 1, 4), name="Ghi trong lúc sao lưu")
            connections.close_all()

        thread = threading.Thread(target=other_user)
        thread.start()
        thread.join(timeout=30)
        return write_rows(*args, **kwargs)

    path = tmp_path / "during.zip"
    with (
        mock.patch.object(archive, "_write_rows", write_during_backup),
        CaptureQueriesContext(connection) as queries,
    ):
        call_command("backup", str(path), verbosity=0)
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] != "BEGIN"]
    assert statements[0] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    assert CalendarDay.objects.filter(name="Ghi trong lúc sao lưu").exists()
    assert archive.read_manifest(path)["counts"]["pipeline.calendarday"] == 0
