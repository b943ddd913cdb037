"""Backup archives: the database rows and the uploaded files in one .zip, and their restore.

An archive (format 1) holds:

- ``manifest.json``: the format and its version, the ptdv and Django versions, the database
  vendor, the creation time (UTC), the applied migrations of each installed app, the row count of
  each model, the SHA-256 and size of the data file, the number and size of the media files;
- ``data.jsonl``: the rows of every model of every installed app except :data:`EXCLUDED`, one
  JSON object per line (Django's ``jsonl`` serializer: primary keys kept, no natural keys,
  datetimes to the microsecond), model after model — each after the models it points to — and
  each model's rows by primary key. JSON Lines rather than one JSON array so that both the backup
  and the restore stream: neither holds the whole database in memory;
- ``media/…``: the files under ``MEDIA_ROOT``.

:func:`create_backup` reads the whole database in one transaction — on PostgreSQL a
``REPEATABLE READ, READ ONLY`` snapshot, on SQLite one read transaction — so the archive is
consistent while the application keeps writing. It writes a temporary file next to the target
(mode 0600: the archive holds personal data and password hashes) and renames it at the end.

:func:`restore_backup` first checks the archive (a ptdv archive, a known format version, the data
file's SHA-256, the same applied migrations as the database), then replaces the database in one
transaction: it deletes every table's rows with the SQL of ``flush`` (never the ORM: events refuse
``delete()``), inserts the archive's rows raw as ``loaddata`` does (no model ``save()`` — neither
the events' append-only guard nor the places' history hook — and no audit entry; but many rows
per ``INSERT``, and no ``pre_save``/``post_save`` signal), compares the
row counts with the manifest, resets the sequences and checks the foreign keys. Any failure rolls
the whole transaction back: the database stays as it was. The media files are unpacked beside
``MEDIA_ROOT`` before that transaction and moved into place after it commits.

Encryption (:mod:`ptdv.backup.crypto`): given a key, :func:`create_backup` writes the .zip
through an :class:`~ptdv.backup.crypto.EncryptingWriter` (AES-256-GCM in 64 KiB chunks, one pass,
bounded memory), and the reading functions open an encrypted file through a
:class:`~ptdv.backup.crypto.DecryptingReader`, after authenticating every chunk: a missing or
wrong key, a changed byte or a file cut short is refused before anything is read or changed.
An unencrypted archive is read only when ``allow_unencrypted`` (the commands refuse it in the
production profile unless asked with ``--unencrypted``).

Not in the archive: ``sessions.Session`` (logins are not data, and an archive holding live
session keys would let whoever reads it take over those sessions). A restore empties the sessions
table like every other, so everyone logs in again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

import ptdv

from .crypto import (
    HEADER_SIZE,
    KEY_ENV,
    KEY_FILE_ENV,
    DecryptingReader,
    EncryptingWriter,
    EncryptionError,
    Header,
    Key,
    is_encrypted,
)

FORMAT = "ptdv-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.jsonl"
MEDIA = "media/"
#: Models whose rows are not archived (their tables are still emptied by a restore).
EXCLUDED = ("sessions.session",)
#: Rows fetched per query while writing the archive.
CHUNK = 2000
#: Rows inserted per batch while restoring (fewer per statement where the database says so).
BATCH = 1000
#: Errors of a damaged zip member (bad CRC, broken deflate stream, truncated file).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


class BackupError(Exception):
    """A refusal or failure, with a message for the user (Vietnamese)."""


class _Encoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes and times to milliseconds; a backup keeps microseconds."""

    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class _HashingWriter:
    """A text stream for the serializer: UTF-8 into the zip member, hashed and counted."""

    def __init__(self, raw: io.RawIOBase | Any, buffer: int = 1 << 16):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._parts: list[str] = []
        self._pending = 0
        self._buffer = buffer

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= self._buffer:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode()
            self._parts.clear()
            self._pending = 0
            self.sha256.update(data)
            self.size += len(data)
            self.raw.write(data)


# --- what is archived --------------------------------------------------------------------------


def archived_models(using: str = DEFAULT_DB_ALIAS) -> list[type[Model]]:
    """The concrete models whose rows are archived, each after the models it points to.

    ``serializers.sort_dependencies`` (dumpdata's order) only orders models with natural keys;
    here every foreign key counts, so a restore inserts referenced rows first. Django's foreign
    keys are deferred on PostgreSQL and SQLite, so the order is not needed for correctness, but it
    keeps the file readable and the restore independent of that. Cycles (and a model's references
    to itself) are broken in app order.
    """
    candidates = [
        model
        for app_config in apps.get_app_configs()
        for model in app_config.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in EXCLUDED
        and router.allow_migrate_model(using, model)
    ]
    included = set(candidates)
    depends: dict[type[Model], set[type[Model]]] = {}
    for model in candidates:
        targets = {
            field.remote_field.model._meta.concrete_model
            for field in model._meta.concrete_fields
            if field.remote_field is not None
        }
        targets |= {
            field.remote_field.model._meta.concrete_model
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        }
        depends[model] = (targets & included) - {model}
    ordered: list[type[Model]] = []
    placed: set[type[Model]] = set()
    remaining = list(candidates)
    while remaining:
        ready = next((m for m in remaining if depends[m] <= placed), remaining[0])
        remaining.remove(ready)
        ordered.append(ready)
        placed.add(ready)
    return ordered


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The applied migrations of each installed app, as the database's ``django_migrations``."""
    installed = {app_config.label for app_config in apps.get_app_configs()}
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connections[using]).applied_migrations():
        if app_label in installed:
            applied.setdefault(app_label, []).append(name)
    return {app_label: sorted(names) for app_label, names in sorted(applied.items())}


def _media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


# --- backup ------------------------------------------------------------------------------------


def create_backup(
    path: str | os.PathLike, *, using: str = DEFAULT_DB_ALIAS, key: Key | None = None
) -> dict[str, Any]:
    """Write the archive to ``path`` (replacing the file if there is one), encrypted with
    ``key`` when one is given; return its manifest."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} là một thư mục: hãy cho tên tệp, ví dụ {path / 'ptdv.zip'}.")
    if not path.parent.is_dir():
        raise BackupError(f"Không có thư mục {path.parent} để ghi tệp sao lưu.")
    models = archived_models(using)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise BackupError(f"Không ghi được tệp sao lưu {path}: {exc}") from exc
    os.close(descriptor)
    temporary = Path(temporary)
    try:
        with open(temporary, "wb") as raw:
            if key is None:
                manifest = _write_archive(raw, models, using)
            else:
                with EncryptingWriter(raw, key) as sealed:
                    manifest = _write_archive(sealed, models, using)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, DatabaseError):
            raise BackupError(f"Không đọc được cơ sở dữ liệu: {exc}") from exc
        if isinstance(exc, OSError):
            raise BackupError(f"Không ghi được tệp sao lưu {path}: {exc}") from exc
        raise
    return manifest


def _write_archive(file, models: list[type[Model]], using: str) -> dict[str, Any]:
    """Write the .zip to the binary file object ``file``; return its manifest."""
    connection = connections[using]
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        outermost = not connection.in_atomic_block
        with transaction.atomic(using=using):
            if outermost and connection.vendor == "postgresql":
                # First statement of the transaction: one snapshot for every table, and
                # no lock that would hold up the application's writes.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            created_at = dt.datetime.now(dt.UTC)
            migrations = applied_migrations(using)
            if not migrations:
                raise BackupError(
                    "Cơ sở dữ liệu chưa có bảng nào (chưa chạy `ptdv migrate`): "
                    "không có gì để sao lưu."
                )
            info = zipfile.ZipInfo(DATA, date_time=created_at.astimezone().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                sink = _HashingWriter(member)
                counts = _write_rows(sink, models, using)
                sink.flush()
        media = _write_media(archive)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "ptdv_version": ptdv.__version__,
            "django_version": django.get_version(),
            "database_vendor": connection.vendor,
            "created_at": created_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "data_file": DATA,
            "data_sha256": sink.sha256.hexdigest(),
            "data_bytes": sink.size,
            "excluded": list(EXCLUDED),
            "migrations": migrations,
            "counts": counts,
            "media": media,
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def _write_rows(sink: _HashingWriter, models: list[type[Model]], using: str) -> dict[str, int]:
    counts: dict[str, int] = {}

    def rows() -> Iterator[Model]:
        for model in models:
            label = model._meta.label_lower
            counts[label] = 0
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            m2m = [
                field.name
                for field in model._meta.local_many_to_many
                if field.remote_field.through._meta.auto_created
            ]
            if m2m:
                queryset = queryset.prefetch_related(*m2m)
            for obj in queryset.iterator(chunk_size=CHUNK):
                counts[label] += 1
                yield obj

    serializers.serialize("jsonl", rows(), stream=sink, cls=_Encoder, ensure_ascii=False)
    return counts


def _write_media(archive: zipfile.ZipFile) -> dict[str, int]:
    root = _media_root()
    files = size = 0
    if root is not None and root.is_dir():
        for directory, subdirectories, names in os.walk(root):
            subdirectories.sort()
            for name in sorted(names):
                file = Path(directory, name)
                if file.is_symlink() or not file.is_file():
                    continue
                archive.write(file, MEDIA + file.relative_to(root).as_posix())
                files += 1
                size += file.stat().st_size
    return {"files": files, "bytes": size}


# --- checks ------------------------------------------------------------------------------------


def read_manifest(
    path: str | os.PathLike, *, key: Key | None = None, allow_unencrypted: bool = True
) -> dict[str, Any]:
    """The archive's manifest, after checking that ``path`` is a ptdv archive this code reads
    (decrypted with ``key`` when it is encrypted)."""
    path = _existing(path)
    try:
        with _open_archive(path, key, allow_unencrypted, verify=False) as archive:
            return _manifest(archive, path)
    except _ZIP_ERRORS as exc:
        raise BackupError(f"Tệp {path} không phải là tệp sao lưu của ptdv ({exc}).") from exc
    except EncryptionError as exc:
        raise BackupError(str(exc)) from exc


def check_archive(
    path: str | os.PathLike,
    *,
    using: str = DEFAULT_DB_ALIAS,
    key: Key | None = None,
    allow_unencrypted: bool = True,
) -> dict[str, Any]:
    """Every check of a restore, without changing anything; return the manifest."""
    path = _existing(path)
    try:
        with _open_archive(path, key, allow_unencrypted) as archive:
            manifest = _manifest(archive, path)
            _check_data(archive, manifest, path)
    except _ZIP_ERRORS as exc:
        raise BackupError(f"Tệp {path} không phải là tệp sao lưu của ptdv ({exc}).") from exc
    except EncryptionError as exc:
        raise BackupError(str(exc)) from exc
    _check_schema(manifest, using)
    return manifest


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.")
    if not path.is_file():
        raise BackupError(f"{path} không phải là một tệp.")
    return path


@contextlib.contextmanager
def _open_archive(
    path: Path, key: Key | None, allow_unencrypted: bool, *, verify: bool = True
) -> Iterator[zipfile.ZipFile]:
    """The .zip at ``path``, decrypted through a :class:`DecryptingReader` when it is encrypted.

    An encrypted file is refused without a key, with another key, or (``verify``: every chunk
    authenticated first, one at a time) when any byte was changed or the file was cut short.
    An unencrypted one is refused unless ``allow_unencrypted``.
    """
    if not is_encrypted(path):
        if not zipfile.is_zipfile(path):
            raise BackupError(
                f"Tệp {path} không phải là tệp sao lưu của ptdv (không phải tệp .zip, cũng không "
                "phải tệp sao lưu mã hóa)."
            )
        if not allow_unencrypted:
            raise BackupError(
                f"Tệp sao lưu {path} không được mã hóa: ai có tệp cũng đọc và sửa được nó. Ở môi "
                "trường production chỉ dùng tệp không mã hóa khi yêu cầu rõ bằng --unencrypted. "
                "Không khôi phục gì cả."
            )
        with zipfile.ZipFile(path) as archive:
            yield archive
        return
    with open(path, "rb") as raw:
        if key is None:
            header = Header.parse(raw.read(HEADER_SIZE), str(path))
            raise BackupError(
                f"Tệp sao lưu {path} được mã hóa (bằng khóa mã {header.key_id.hex()}): cần khóa "
                f"để đọc — --key-file TỆP_KHÓA, hoặc biến môi trường {KEY_ENV} hay "
                f"{KEY_FILE_ENV}. Không khôi phục gì cả."
            )
        with DecryptingReader(raw, key, name=str(path)) as reader:
            if verify:
                reader.verify()
            with zipfile.ZipFile(reader) as archive:
                yield archive


def _manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    not_ours = f"Tệp {path} không phải là tệp sao lưu của ptdv"
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{not_ours} (không có {MANIFEST}).") from None
    except ValueError as exc:
        raise BackupError(f"{not_ours} ({MANIFEST} không đọc được).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{not_ours}.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"Tệp sao lưu {path} có định dạng phiên bản {version} (tạo bởi ptdv "
            f"{manifest.get('ptdv_version', '?')}); phiên bản ptdv này chỉ đọc được định dạng "
            f"{FORMAT_VERSION}."
        )
    required = {"data_file": str, "data_sha256": str, "counts": dict, "migrations": dict}
    missing = [key for key, kind in required.items() if not isinstance(manifest.get(key), kind)]
    if missing:
        raise BackupError(f"{not_ours} ({MANIFEST} thiếu {', '.join(missing)}).")
    return manifest


def _check_data(archive: zipfile.ZipFile, manifest: dict[str, Any], path: Path) -> None:
    digest = hashlib.sha256()
    try:
        with archive.open(manifest["data_file"]) as member:
            while block := member.read(1 << 20):
                digest.update(block)
    except KeyError:
        raise BackupError(
            f"Tệp sao lưu {path} bị hỏng: thiếu tệp dữ liệu {manifest['data_file']}."
        ) from None
    except _ZIP_ERRORS as exc:
        raise BackupError(
            f"Tệp sao lưu {path} bị hỏng: tệp dữ liệu không giải nén được ({exc})."
        ) from exc
    if digest.hexdigest() != manifest["data_sha256"]:
        raise BackupError(
            f"Tệp sao lưu {path} bị hỏng: mã kiểm tra SHA-256 của dữ liệu không khớp với "
            f"{MANIFEST}. Không khôi phục gì cả."
        )


def _check_schema(manifest: dict[str, Any], using: str) -> None:
    current = applied_migrations(using)
    if not current:
        raise BackupError(
            "Cơ sở dữ liệu chưa có bảng nào: hãy chạy `ptdv migrate` trước khi khôi phục."
        )
    archived = {app: sorted(names) for app, names in manifest["migrations"].items()}
    if archived == current:
        return
    lines = []
    for app in sorted(set(archived) | set(current)):
        only_archive = sorted(set(archived.get(app, ())) - set(current.get(app, ())))
        only_database = sorted(set(current.get(app, ())) - set(archived.get(app, ())))
        if only_archive:
            lines.append(
                f"  - {app}: tệp sao lưu có {', '.join(only_archive)}, cơ sở dữ liệu chưa có"
            )
        if only_database:
            lines.append(
                f"  - {app}: cơ sở dữ liệu có {', '.join(only_database)}, tệp sao lưu không có"
            )
    version = manifest.get("ptdv_version", "?")
    raise BackupError(
        "Lược đồ của cơ sở dữ liệu khác với lược đồ lúc sao lưu (các migration đã áp dụng khác "
        "nhau):\n"
        + "\n".join(lines)
        + f"\nChỉ khôi phục được vào cơ sở dữ liệu có đúng các migration đó: dùng ptdv {version} "
        "(phiên bản đã tạo tệp sao lưu) với một cơ sở dữ liệu mới đã chạy `ptdv migrate`, "
        "khôi phục vào đó, rồi nâng cấp ptdv và chạy `ptdv migrate`. Cơ sở dữ liệu giữ nguyên."
    )


# --- restore -----------------------------------------------------------------------------------


def restore_backup(
    path: str | os.PathLike,
    *,
    using: str = DEFAULT_DB_ALIAS,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
    key: Key | None = None,
    allow_unencrypted: bool = True,
) -> dict[str, Any]:
    """Replace the database and add the media files with the archive's; all or nothing.

    An encrypted archive is decrypted with ``key`` and authenticated whole before anything else
    (see :func:`_open_archive`); an unencrypted one is refused unless ``allow_unencrypted``.

    ``confirm`` is called with the manifest once every check has passed and before anything
    changes; when it returns false, nothing is restored. Returns ``{"manifest", "counts",
    "media_files"}`` (``counts``: rows inserted per model label).
    """
    path = _existing(path)
    try:
        with _open_archive(path, key, allow_unencrypted) as archive:
            manifest = _manifest(archive, path)
            _check_data(archive, manifest, path)
            _check_schema(manifest, using)
            if confirm is not None and not confirm(manifest):
                raise BackupError("Đã hủy: cơ sở dữ liệu giữ nguyên.")
            staging = _stage_media(archive, path)
            try:
                counts = _replace_database(archive, manifest, path, using)
                try:
                    media_files = _install_media(staging)
                except OSError as exc:
                    raise BackupError(
                        f"Đã khôi phục cơ sở dữ liệu từ {path}, nhưng không chép được các tệp "
                        f"đính kèm vào {_media_root()}: {exc}"
                    ) from exc
            finally:
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
    except _ZIP_ERRORS as exc:
        raise BackupError(
            f"Tệp sao lưu {path} bị hỏng ({exc}). Cơ sở dữ liệu giữ nguyên như trước."
        ) from exc
    except EncryptionError as exc:
        raise BackupError(str(exc)) from exc  # the message says nothing was restored
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
    return {"manifest": manifest, "counts": counts, "media_files": media_files}


def _no_audit():
    """Raw inserts must not write audit entries (the archive has the audit log itself)."""
    if apps.is_installed("auditlog"):
        from auditlog.context import disable_auditlog

        return disable_auditlog()
    return contextlib.nullcontext()


def _replace_database(
    archive: zipfile.ZipFile, manifest: dict[str, Any], path: Path, using: str
) -> dict[str, int]:
    connection = connections[using]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and router.allow_migrate_model(using, model)
    ]
    expected = {label: count for label, count in manifest["counts"].items() if count}
    try:
        with _no_audit(), transaction.atomic(using=using):
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(
                    no_style(), tables, reset_sequences=True, allow_cascade=True
                )
            )
            counts = _load_rows(archive, manifest["data_file"], using)
            if counts != expected:
                raise BackupError(
                    f"Tệp sao lưu {path} bị hỏng: số bản ghi nạp được khác với {MANIFEST}. "
                    "Cơ sở dữ liệu giữ nguyên như trước."
                )
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
            connection.check_constraints(table_names=tables)
    except (BackupError, *_ZIP_ERRORS):
        raise
    except Exception as exc:
        detail = str(exc) or str(exc.__cause__ or "")
        raise BackupError(
            f"Không khôi phục được từ {path}: {type(exc).__name__}: {detail}\n"
            "Cơ sở dữ liệu giữ nguyên như trước."
        ) from exc
    return counts


def _load_rows(archive: zipfile.ZipFile, name: str, using: str) -> dict[str, int]:
    """Insert the archive's rows, a batch of one model at a time; return the count per model."""
    counts: dict[str, int] = {}
    batch: list[DeserializedObject] = []

    def insert() -> None:
        if batch:
            model = type(batch[0].object)
            _insert_raw(model, batch, using)
            counts[model._meta.label_lower] = counts.get(model._meta.label_lower, 0) + len(batch)
            batch.clear()

    with archive.open(name) as member:
        lines = io.TextIOWrapper(member, encoding="utf-8", newline="\n")
        for item in serializers.deserialize("jsonl", lines, using=using):
            if item.object.pk is None:
                raise DeserializationError(f"{item.object._meta.label}: a row without its key")
            if batch and (type(item.object) is not type(batch[0].object) or len(batch) >= BATCH):
                insert()
            batch.append(item)
        insert()
    return counts


def _insert_raw(model: type[Model], items: list[DeserializedObject], using: str) -> None:
    """``INSERT`` the rows as ``DeserializedObject.save()`` would, many rows per statement.

    ``save()`` here is ``Model.save_base(raw=True)``, as in ``loaddata``: no model ``save()``
    (neither the events' append-only guard nor the places' history hook), the fields' values
    as they are (``auto_now_add`` does not replace the recorded times) — but one ``INSERT`` per
    row. This is the same raw insert (``QuerySet._insert(raw=True)``, what ``save_base`` runs)
    with many rows per statement. No ``pre_save``/``post_save`` signal is sent: the only
    receivers that would act are the audit log's, and restored rows are not new changes.
    """
    connection = connections[using]
    fields = model._meta.local_concrete_fields
    objects = [item.object for item in items]
    size = max(1, min(connection.ops.bulk_batch_size(fields, objects), 65535 // len(fields)))
    manager = model._base_manager.using(using)
    for start in range(0, len(objects), size):
        manager._insert(objects[start : start + size], fields=fields, raw=True, using=using)
    for item in items:
        item.object._state.adding = False
        item.object._state.db = using
        for accessor, values in (item.m2m_data or {}).items():
            getattr(item.object, accessor).set(values)


def _stage_media(archive: zipfile.ZipFile, path: Path) -> Path | None:
    """Unpack the media files beside ``MEDIA_ROOT`` (same file system), before the database."""
    members = [
        info for info in archive.infolist() if info.filename.startswith(MEDIA) and not info.is_dir()
    ]
    if not members:
        return None
    root = _media_root()
    if root is None:
        raise BackupError(
            f"Tệp sao lưu có {len(members)} tệp đính kèm nhưng MEDIA_ROOT chưa được đặt."
        )
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ptdv-restore-", dir=root.parent))
    try:
        for info in members:
            relative = PurePosixPath(info.filename[len(MEDIA) :])
            if (
                not relative.parts
                or relative.is_absolute()
                or ".." in relative.parts
                or "\\" in info.filename
            ):
                raise BackupError(
                    f"Tệp sao lưu {path} có đường dẫn không hợp lệ: {info.filename!r}."
                )
            target = staging.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as destination:
                shutil.copyfileobj(source, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _install_media(staging: Path | None) -> int:
    """Move the unpacked files into ``MEDIA_ROOT``; files not in the archive are left there."""
    if staging is None:
        return 0
    root = _media_root()
    moved = 0
    for file in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = root / file.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)
        moved += 1
    return moved
