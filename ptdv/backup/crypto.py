"""Encrypted backup files: AES-256-GCM in chunks, with the ``cryptography`` package.

A backup archive holds every person's record, sensitive data included (ethnicity, religion,
party membership, verification results, CCCD numbers, family relations) and the password hashes,
so ``ptdv backup`` encrypts it with a key the installation keeps apart from the backups.

The format is a chunked "STREAM" construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015, as age
and Tink's streaming AEAD use it): the plaintext is cut into chunks of :data:`CHUNK` bytes, each
sealed with AES-256-GCM under a key derived for this file alone, with a nonce made of the
chunk's number and a flag marking the last chunk. So

- memory is bounded whatever the archive's size: one chunk is held at a time, on writing and on
  reading;
- every chunk is authenticated before any of its bytes is used; a changed byte, chunks swapped
  or dropped, and a file cut short anywhere (the last chunk present must carry the flag) are all
  refused;
- the archive inside is still a .zip that :mod:`zipfile` reads through :class:`DecryptingReader`,
  a seekable file that decrypts the chunk it is asked for — the plaintext never touches the disk.

File layout (format version 1), all integers big-endian::

    header   MAGIC (8) | version (1) | chunk size (4) | key id (8) | salt (32)     = 53 bytes
    chunk i  AES-256-GCM(file key, nonce_i, plaintext_i, associated data = header)
             = len(plaintext_i) + 16 bytes; every chunk but the last holds CHUNK bytes

    file key = HKDF-SHA256(master key, salt, info = "ptdv backup file key 1"), 32 bytes
    nonce_i  = i as 11 bytes | 0x01 for the last chunk, 0x00 otherwise
    key id   = HKDF-SHA256(master key, no salt, info = "ptdv backup key id 1"), 8 bytes

A fresh random salt per file gives each file its own key, so counting nonces from zero never
reuses one. The key id names the master key without revealing it: a restore given another key
says so instead of "damaged", and an operator can tell which kept key opens which backup.

The master key is 32 random bytes, written as text by :func:`new_key_file` (one line
``PTDV-BACKUP-KEY-1:<base64>``, after comment lines) and read from ``--key-file`` or the
environment variable ``PTDV_BACKUP_KEY`` (the same line, or the path of such a file in
``PTDV_BACKUP_KEY_FILE``).

Why not Fernet (also in ``cryptography``): it seals one message held in memory — a province's
archive is hundreds of megabytes. Why not age (pyrage): a good format with public-key recipients,
but pyrage is a thin binding maintained by one person and offers whole-buffer or whole-file calls
without a seekable reader, so a restore would have to write the plaintext archive to disk;
``cryptography`` is PyCA's, maintained with OpenSSL's AES-GCM (hardware AES on every server CPU).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PTDV-ENC"
VERSION = 1
#: Plaintext bytes per chunk (the last chunk may hold fewer).
CHUNK = 1 << 16
#: Chunk sizes a reader accepts (bounds the memory a crafted header could ask for).
MIN_CHUNK, MAX_CHUNK = 1 << 10, 1 << 24
TAG = 16
SALT = 32
_HEADER = struct.Struct(">8sBI8s32s")
HEADER_SIZE = _HEADER.size  # 53
KEY_BYTES = 32
KEY_PREFIX = "PTDV-BACKUP-KEY-1:"
#: The environment variables a key is read from (the key itself, or the path of a key file).
KEY_ENV = "PTDV_BACKUP_KEY"
KEY_FILE_ENV = "PTDV_BACKUP_KEY_FILE"


class EncryptionError(Exception):
    """A refusal, with a message for the user (Vietnamese)."""


class WrongKey(EncryptionError):
    """The file was encrypted with another key."""


class Damaged(EncryptionError):
    """The file was changed, cut short or damaged after it was written."""


# --- keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A master key and where it came from (for messages; never the key itself)."""

    secret: bytes
    source: str

    def __post_init__(self):
        if len(self.secret) != KEY_BYTES:
            raise EncryptionError(f"Khóa sao lưu phải dài {KEY_BYTES} byte.")

    def __repr__(self) -> str:
        return f"Key(id={self.key_id}, source={self.source!r})"

    @property
    def key_id(self) -> str:
        return key_id(self.secret).hex()


def key_id(secret: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 8, salt=None, info=b"ptdv backup key id 1").derive(secret)


def _file_key(secret: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(hashes.SHA256(), 32, salt=salt, info=b"ptdv backup file key 1").derive(secret)
    return AESGCM(derived)


def format_key(secret: bytes) -> str:
    return KEY_PREFIX + base64.urlsafe_b64encode(secret).decode("ascii")


def parse_key(text: str, source: str) -> Key:
    """The key of a key file's text (comment lines ``#…`` and blank lines ignored)."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    hint = "tạo khóa bằng `ptdv backup --new-key TỆP_KHÓA`"
    if len(lines) != 1 or not lines[0].startswith(KEY_PREFIX):
        raise EncryptionError(
            f"{source} không chứa khóa sao lưu của ptdv (một dòng bắt đầu bằng "
            f"{KEY_PREFIX}): {hint}."
        )
    try:
        secret = base64.urlsafe_b64decode(lines[0][len(KEY_PREFIX) :].encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise EncryptionError(f"Khóa sao lưu trong {source} bị hỏng (không đủ {KEY_BYTES} byte).")
    return Key(secret, source)


def read_key_file(path: str | os.PathLike) -> tuple[Key, list[str]]:
    """The key in ``path``, and warnings about the file (readable by others)."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise EncryptionError(f"Tệp khóa {path} không phải là một tệp.")
        if info.st_size > 4096:
            raise EncryptionError(f"Tệp khóa {path} quá lớn: đây không phải tệp khóa sao lưu.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EncryptionError(f"Không tìm thấy tệp khóa {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EncryptionError(f"Không đọc được tệp khóa {path}: {exc}") from exc
    warnings = []
    if info.st_mode & 0o077:
        warnings.append(
            f"Cảnh báo: tệp khóa {path} đọc được bởi người khác chủ sở hữu "
            f"(quyền {stat.filemode(info.st_mode)}); hãy chạy `chmod 600 {path}`."
        )
    return parse_key(text, f"tệp khóa {path}"), warnings


def load_key(
    key_file: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Key | None, list[str]]:
    """The backup key: ``key_file`` if given, else ``PTDV_BACKUP_KEY`` (the key's line), else
    ``PTDV_BACKUP_KEY_FILE`` (a key file's path); ``None`` when none is set."""
    environ = os.environ if environ is None else environ
    if key_file:
        return read_key_file(key_file)
    if environ.get(KEY_ENV, "").strip():
        return parse_key(environ[KEY_ENV], f"biến môi trường {KEY_ENV}"), []
    if environ.get(KEY_FILE_ENV, "").strip():
        return read_key_file(environ[KEY_FILE_ENV].strip())
    return None, []


def new_key_file(path: str | os.PathLike, *, note: str = "") -> Key:
    """Write a new random key to ``path`` (mode 0600); never replaces an existing file."""
    path = Path(path)
    secret = os.urandom(KEY_BYTES)
    key = Key(secret, f"tệp khóa {path}")
    text = (
        f"# Khóa mã hóa các tệp sao lưu của ptdv, mã nhận dạng {key.key_id}.{note}\n"
        "# Ai có khóa này đọc được mọi tệp sao lưu mã hóa bằng nó; mất khóa này là mất các tệp\n"
        "# sao lưu đó. Giữ một bản sao ở nơi an toàn, tách khỏi máy chủ và khỏi các tệp sao lưu.\n"
        f"{format_key(secret)}\n"
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EncryptionError(
            f"Tệp {path} đã có: không ghi đè (ghi đè một khóa là mất các tệp sao lưu của nó). "
            "Chọn tên tệp khác."
        ) from None
    except OSError as exc:
        raise EncryptionError(f"Không ghi được tệp khóa {path}: {exc}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return key


# --- the header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    chunk: int
    key_id: bytes
    salt: bytes
    raw: bytes

    @classmethod
    def new(cls, key: Key, chunk: int = CHUNK) -> Header:
        kid, salt = key_id(key.secret), os.urandom(SALT)
        return cls(chunk, kid, salt, _HEADER.pack(MAGIC, VERSION, chunk, kid, salt))

    @classmethod
    def parse(cls, raw: bytes, name: str) -> Header:
        if len(raw) < HEADER_SIZE or not raw.startswith(MAGIC):
            raise EncryptionError(f"{name} không phải tệp sao lưu mã hóa của ptdv.")
        _magic, version, chunk, kid, salt = _HEADER.unpack(raw[:HEADER_SIZE])
        if version != VERSION:
            raise EncryptionError(
                f"{name} được mã hóa theo định dạng phiên bản {version}; phiên bản ptdv này chỉ "
                f"đọc được định dạng {VERSION}."
            )
        if not MIN_CHUNK <= chunk <= MAX_CHUNK:
            raise Damaged(f"Tệp sao lưu {name} bị hỏng: phần đầu tệp không hợp lệ.")
        return cls(chunk, kid, salt, raw[:HEADER_SIZE])


def is_encrypted(path: str | os.PathLike) -> bool:
    """Whether ``path`` starts like an encrypted backup."""
    try:
        with open(path, "rb") as file:
            return file.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# --- writing -------------------------------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """A write-only, unseekable file: what is written goes out encrypted, chunk by chunk.

    :meth:`close` seals the last chunk (a file never closed is refused as cut short). Closing
    does not close ``raw``.
    """

    def __init__(self, raw, key: Key, chunk: int = CHUNK):
        super().__init__()
        self._raw = raw
        self._header = Header.new(key, chunk)
        self._aead = _file_key(key.secret, self._header.salt)
        self._chunk = chunk
        self._buffer = bytearray()
        self._index = 0
        self._position = 0
        raw.write(self._header.raw)

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._position

    def seek(self, *args):
        raise io.UnsupportedOperation("an encrypted backup is written in one pass")

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to a closed file")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._position += len(view)
        # A chunk goes out only once more data follows it: the last one is sealed by close().
        if len(self._buffer) > self._chunk:
            sealed = (len(self._buffer) - 1) // self._chunk * self._chunk
            for start in range(0, sealed, self._chunk):
                self._seal(bytes(self._buffer[start : start + self._chunk]), last=False)
            del self._buffer[:sealed]
        return len(view)

    def _seal(self, plaintext: bytes, last: bool) -> None:
        self._raw.write(self._aead.encrypt(_nonce(self._index, last), plaintext, self._header.raw))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            try:
                self._seal(bytes(self._buffer), last=True)
                self._buffer.clear()
            finally:
                super().close()


# --- reading -------------------------------------------------------------------------------------


class DecryptingReader(io.RawIOBase):
    """A read-only, seekable view of an encrypted file's plaintext.

    Each chunk is authenticated when it is read (one chunk is cached); the first failure raises
    :class:`Damaged`. Opening checks the header, the key id, and the last chunk (so a file cut
    short is refused before anything is read). Closing does not close ``raw``.
    """

    def __init__(self, raw, key: Key, name: str = "tệp sao lưu"):
        super().__init__()
        self._raw = raw
        self._name = name
        raw.seek(0)
        self._header = Header.parse(raw.read(HEADER_SIZE), name)
        if self._header.key_id != key_id(key.secret):
            raise WrongKey(
                f"Khóa không đúng: {name} được mã hóa bằng khóa mã {self._header.key_id.hex()}, "
                f"còn {key.source} là khóa mã {key.key_id}. Hãy dùng đúng khóa đã dùng khi sao "
                "lưu. Không khôi phục gì cả."
            )
        self._aead = _file_key(key.secret, self._header.salt)
        self._chunk = self._header.chunk
        body = raw.seek(0, io.SEEK_END) - HEADER_SIZE
        sealed = self._chunk + TAG
        self._chunks = max(1, -(-body // sealed))
        last = body - (self._chunks - 1) * sealed
        if last < TAG or (last == TAG and self._chunks > 1):
            raise self._damaged("tệp bị cắt cụt")
        self._size = (self._chunks - 1) * self._chunk + last - TAG
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._plain(self._chunks - 1)  # the end is there and untouched

    @property
    def size(self) -> int:
        return self._size

    @property
    def key_id(self) -> str:
        return self._header.key_id.hex()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("negative seek position")
        self._position = base + offset
        return self._position

    def _damaged(self, detail: str) -> Damaged:
        return Damaged(
            f"Tệp sao lưu {self._name} đã bị sửa đổi hoặc bị hỏng ({detail}): không giải mã "
            "được. Không khôi phục gì cả."
        )

    def _plain(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        last = index == self._chunks - 1
        sealed = self._chunk + TAG
        self._raw.seek(HEADER_SIZE + index * sealed)
        data = self._raw.read(sealed)
        try:
            plaintext = self._aead.decrypt(_nonce(index, last), data, self._header.raw)
        except InvalidTag:
            raise self._damaged(f"phần {index + 1}/{self._chunks} không xác thực được") from None
        self._cached = (index, plaintext)
        return plaintext

    def read(self, size: int = -1) -> bytes:
        if self.closed:
            raise ValueError("read of a closed file")
        end = self._size if size is None or size < 0 else min(self._size, self._position + size)
        parts = []
        while self._position < end:
            index, offset = divmod(self._position, self._chunk)
            piece = self._plain(index)[offset : offset + end - self._position]
            parts.append(piece)
            self._position += len(piece)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def verify(self) -> int:
        """Authenticate every chunk in order (one at a time); return the plaintext size."""
        for index in range(self._chunks):
            self._plain(index)
        return self._size


def encrypt_file(source, target, key: Key, chunk: int = CHUNK) -> None:
    """Encrypt the binary file object ``source`` into ``target`` (tests, key rotation)."""
    writer = EncryptingWriter(target, key, chunk)
    with writer:
        while block := source.read(1 << 20):
            writer.write(block)
