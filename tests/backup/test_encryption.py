"""Encrypted backups: ``ptdv backup`` with a key, ``ptdv restore`` refusing a missing or wrong
key, a changed, swapped or missing byte, and an unencrypted file in production; the chunked
AES-GCM layer itself (any size, any seek, bounded memory).
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from ptdv.backup import archive, crypto
from ptdv.pipeline.models import Candidacy
from ptdv.rules.stages import Stage
from tests.backup.test_roundtrip import snapshot
from tests.base import advance, build_world, introducers_for, new_candidacy

KEY = crypto.Key(bytes(range(32)), "khóa thử")
OTHER = crypto.Key(bytes(range(1, 33)), "khóa khác")


def small_chunks(key: crypto.Key = KEY, chunk: int = crypto.MIN_CHUNK):
    """An in-memory encrypted file of ``data`` with small chunks, to cut and change."""

    def seal(data: bytes) -> bytes:
        out = io.BytesIO()
        with crypto.EncryptingWriter(out, key, chunk) as writer:
            writer.write(data)
        return out.getvalue()

    return seal


def open_sealed(data: bytes, key: crypto.Key = KEY) -> crypto.DecryptingReader:
    return crypto.DecryptingReader(io.BytesIO(data), key, name="thu.enc")


# --- the chunked AES-GCM layer -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=5000),
    chunk=st.sampled_from([1024, 1500, 4096]),
    splits=st.lists(st.integers(min_value=0, max_value=5000), max_size=6),
    seeks=st.lists(st.tuples(st.integers(0, 5200), st.integers(0, 3000)), max_size=8),
)
def test_any_plaintext_round_trips_whatever_the_writes_and_the_seeks(data, chunk, splits, seeks):
    out = io.BytesIO()
    with crypto.EncryptingWriter(out, KEY, chunk) as writer:
        start = 0
        for cut in sorted(min(s, len(data)) for s in splits):
            writer.write(data[start:cut])
            start = cut
        writer.write(data[start:])
        assert writer.tell() == len(data)
    sealed = out.getvalue()
    assert len(sealed) == crypto.HEADER_SIZE + len(data) + crypto.TAG * max(
        1, -(-len(data) // chunk)
    ), "every chunk but the last is full; the last is never empty unless everything is"
    reader = open_sealed(sealed)
    assert reader.size == len(data)
    assert reader.verify() == len(data)
    assert reader.read() == data
    for position, size in seeks:
        reader.seek(position)
        assert reader.read(size) == data[position : position + size]
    reader.seek(-min(10, len(data)), io.SEEK_END)
    assert reader.read() == data[-10:] if data else reader.read() == b""


def test_the_same_plaintext_never_gives_the_same_file():
    seal = small_chunks()
    one, two = seal(b"x" * 3000), seal(b"x" * 3000)
    assert one[: len(crypto.MAGIC)] == crypto.MAGIC
    assert one != two, "a fresh salt, so a fresh file key, per file"
    assert b"x" * 16 not in one


def test_a_changed_byte_anywhere_is_refused():
    sealed = small_chunks()(os.urandom(5000))
    # The magic and version are checked as such; every other byte is authenticated.
    for position in range(len(crypto.MAGIC) + 1, len(sealed), 37):
        changed = bytearray(sealed)
        changed[position] ^= 0x01
        with pytest.raises(crypto.EncryptionError):
            open_sealed(bytes(changed)).verify()


def test_cut_short_swapped_or_extended_is_refused():
    seal = small_chunks()
    sealed = seal(os.urandom(5000))  # 5 chunks of 1024 bytes (the last 904)
    size = crypto.MIN_CHUNK + crypto.TAG
    body = sealed[crypto.HEADER_SIZE :]
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    assert len(chunks) == 5
    header = sealed[: crypto.HEADER_SIZE]
    variants = {
        "cut at a chunk's end": header + b"".join(chunks[:3]),
        "cut inside a chunk": sealed[:-100],
        "cut to the header": header,
        "cut inside the header": sealed[:20],
        "last chunk missing": header + b"".join(chunks[:4]),
        "chunks swapped": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "a chunk repeated": header + chunks[0] + b"".join(chunks),
        "bytes appended": sealed + b"\0" * 10,
        "another file's chunk": header + seal(os.urandom(5000))[crypto.HEADER_SIZE :][:size]
        + b"".join(chunks[1:]),
    }  # fmt: skip
    for name, data in variants.items():
        with pytest.raises(crypto.EncryptionError):
            open_sealed(data).verify()
            pytest.fail(name)


def test_the_wrong_key_is_named_as_such():
    sealed = small_chunks()(b"du lieu")
    with pytest.raises(crypto.WrongKey, match=f"khóa mã {KEY.key_id}.*khóa mã {OTHER.key_id}"):
        open_sealed(sealed, OTHER)
    assert KEY.key_id != OTHER.key_id and len(KEY.key_id) == 16
    assert KEY.secret.hex() not in repr(KEY)


def test_memory_stays_bounded_for_a_large_archive(tmp_path):
    """96 MiB into a .zip through the encrypting writer, then read back through the reader: the
    peak of Python's allocations stays near one chunk and the blocks, not the archive's size."""
    block = os.urandom(1 << 20)  # incompressible: the archive is as large as its content
    target = tmp_path / "large.enc"
    megabytes = 96
    tracemalloc.start()
    try:
        with (
            open(target, "wb") as raw,
            crypto.EncryptingWriter(raw, KEY) as sealed,
            zipfile.ZipFile(sealed, "w", zipfile.ZIP_STORED) as zf,
            zf.open("data.bin", "w", force_zip64=True) as member,
        ):
            for _ in range(megabytes):
                member.write(block)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert target.stat().st_size > megabytes << 20
        read = 0
        with open(target, "rb") as raw, crypto.DecryptingReader(raw, KEY) as reader:
            reader.verify()
            with zipfile.ZipFile(reader) as zf, zf.open("data.bin") as member:
                while piece := member.read(1 << 20):
                    assert piece == block
                    read += len(piece)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == megabytes << 20
    assert write_peak < 8 << 20, write_peak
    assert read_peak < 8 << 20, read_peak


# --- keys ----------------------------------------------------------------------------------------


def test_a_new_key_file_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "backup.key"
    out = StringIO()
    call_command("backup", new_key=str(path), stdout=out)
    assert path.stat().st_mode & 0o777 == 0o600
    key, warnings = crypto.read_key_file(path)
    assert warnings == []
    assert f"mã {key.key_id}" in out.getvalue()
    assert key.key_id in path.read_text(), "the file names its key id"
    before = path.read_bytes()
    with pytest.raises(CommandError, match="đã có"):
        call_command("backup", new_key=str(path), stdout=StringIO())
    assert path.read_bytes() == before


def test_keys_come_from_the_option_then_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "k"
    key = crypto.new_key_file(path)
    line = crypto.format_key(OTHER.secret)
    assert crypto.load_key(environ={}) == (None, [])
    assert crypto.load_key(environ={crypto.KEY_ENV: line})[0].secret == OTHER.secret
    assert crypto.load_key(environ={crypto.KEY_FILE_ENV: str(path)})[0].secret == key.secret
    both = {crypto.KEY_ENV: line, crypto.KEY_FILE_ENV: str(path)}
    assert crypto.load_key(path, environ=both)[0].secret == key.secret
    path.chmod(0o644)
    assert "chmod 600" in crypto.load_key(path)[1][0]
    for text in ("", "PTDV-BACKUP-KEY-1:abc", "django-insecure-secret", f"{line}\n{line}"):
        with pytest.raises(crypto.EncryptionError, match=r"(?i)khóa"):
            crypto.parse_key(text, "thử")
    with pytest.raises(crypto.EncryptionError, match="Không tìm thấy tệp khóa"):
        crypto.load_key(tmp_path / "khong-co")


# --- the commands --------------------------------------------------------------------------------


def refused(*args, match: str, **options) -> str:
    with pytest.raises(CommandError, match=match) as error:
        call_command(*args, verbosity=0, stdout=StringIO(), stderr=StringIO(), **options)
    return str(error.value)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "ho-so").mkdir(parents=True)
    # Incompressible bytes: the archive spans several chunks.
    (settings.MEDIA_ROOT / "ho-so" / "to-trinh.pdf").write_bytes(
        b"%PDF-1.4 to trinh\n" + os.urandom(200_000)
    )
    built = build_world()
    candidacy = new_candidacy(built)
    advance(candidacy, Stage.DOSSIER, introducers_for(built, candidacy.cell))
    return built


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "backup.key"
    crypto.new_key_file(path)
    return path


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_round_trips(world, key_file, tmp_path, settings):
    before = snapshot()
    path = tmp_path / "ptdv.zip.enc"
    out = StringIO()
    call_command("backup", str(path), key_file=str(key_file), stdout=out, stderr=StringIO())
    key, _ = crypto.read_key_file(key_file)
    assert f"mã hóa bằng khóa mã {key.key_id}" in out.getvalue()
    content = path.read_bytes()
    assert crypto.is_encrypted(path) and not zipfile.is_zipfile(path)
    for clear in (b"manifest.json", b"data.jsonl", "Nguyễn".encode(), b"to trinh"):
        assert clear not in content
    assert path.stat().st_mode & 0o077 == 0
    manifest = archive.read_manifest(path, key=key)
    assert manifest["counts"]["pipeline.candidacy"] == 1

    Candidacy.objects.update(next_due_code="đã sửa")
    (settings.MEDIA_ROOT / "ho-so" / "to-trinh.pdf").unlink()
    # The key from the environment, as in the daily job.
    os.environ[crypto.KEY_FILE_ENV] = str(key_file)
    try:
        call_command("restore", str(path), yes=True, verbosity=0, stdout=StringIO())
    finally:
        del os.environ[crypto.KEY_FILE_ENV]
    assert snapshot() == before
    assert (settings.MEDIA_ROOT / "ho-so" / "to-trinh.pdf").exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_missing_or_wrong_key_and_any_damage(world, key_file, tmp_path):
    path = tmp_path / "ptdv.zip.enc"
    call_command("backup", str(path), key_file=str(key_file), verbosity=0, stderr=StringIO())
    key, _ = crypto.read_key_file(key_file)
    Candidacy.objects.update(next_due_code="sau sao lưu")
    changed = snapshot()

    message = refused("restore", str(path), match="được mã hóa", yes=True)
    assert key.key_id in message and crypto.KEY_ENV in message
    other = tmp_path / "other.key"
    crypto.new_key_file(other)
    refused("restore", str(path), match="Khóa không đúng", yes=True, key_file=str(other))

    content = path.read_bytes()
    damaged = {
        "byte": lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0x40]) + b[len(b) // 2 + 1 :],
        "last byte": lambda b: b[:-1] + bytes([b[-1] ^ 0x01]),
        "truncated": lambda b: b[: len(b) - 1000],
        "chunk-truncated": lambda b: b[: crypto.HEADER_SIZE + crypto.CHUNK + crypto.TAG],
        "header only": lambda b: b[: crypto.HEADER_SIZE],
    }
    for name, change in damaged.items():
        broken = tmp_path / f"{name}.enc"
        broken.write_bytes(change(content))
        refused(
            "restore",
            str(broken),
            match="bị sửa đổi hoặc bị hỏng",
            yes=True,
            key_file=str(key_file),
        )
    # An archive under the header of another key: named as the wrong key, still refused.
    header = bytearray(content)
    header[len(crypto.MAGIC) + 5] ^= 0x01  # the key id
    (tmp_path / "header.enc").write_bytes(bytes(header))
    refused("restore", str(tmp_path / "header.enc"), match="Khóa không đúng", yes=True,
            key_file=str(key_file))  # fmt: skip
    assert snapshot() == changed


@pytest.mark.django_db(transaction=True)
def test_production_refuses_unencrypted_backups_unless_asked(world, key_file, tmp_path, settings):
    settings.PRODUCTION = True
    plain = tmp_path / "plain.zip"
    message = refused("backup", str(plain), match="Chưa có khóa mã hóa")
    assert "--new-key" in message and "--unencrypted" in message
    assert not plain.exists() and not list(tmp_path.glob(".plain.zip.*"))
    refused("backup", str(plain), match="không dùng cùng", unencrypted=True, key_file=str(key_file))
    call_command("backup", str(plain), unencrypted=True, verbosity=0)
    assert zipfile.is_zipfile(plain)

    before = snapshot()
    Candidacy.objects.update(next_due_code="sau sao lưu")
    changed = snapshot()
    refused("restore", str(plain), match="không được mã hóa", yes=True)
    refused("restore", str(plain), match="không được mã hóa", yes=True, key_file=str(key_file))
    assert snapshot() == changed
    call_command("restore", str(plain), yes=True, unencrypted=True, verbosity=0)
    assert snapshot() == before

    settings.PRODUCTION = False  # development: written, with a warning
    err = StringIO()
    call_command("backup", str(tmp_path / "dev.zip"), verbosity=0, stderr=err)
    assert "không được mã hóa" in err.getvalue()
