"""Password hashers whose work is bounded: a few hashes at a time per process, then a refusal.

Argon2 is memory-hard on purpose: each hash takes ``memory_cost`` KiB for its duration. The
production server (gunicorn: one process per core, each answering in threads; waitress on
Windows) answers requests in threads, and every login attempt hashes once —
also for a username that does not exist (Django hashes anyway so that timing does not reveal
which usernames exist) — so a burst of anonymous attempts used to take one Argon2 working set per
thread at once (Django's defaults: 100 MiB each; 16 attempts took the server from 196 MB to
997 MB).

Here every hash and every check of a password waits for one of
``PTDV_PASSWORD_HASH_CONCURRENCY`` permits of a process-wide semaphore (per process: with
several server processes the bound multiplies by their number), at most
``PTDV_PASSWORD_HASH_WAIT_SECONDS``; past that it raises :class:`PasswordHashingBusy`, which the
login form shows as "server busy" and the middleware answers with a 503 page elsewhere (never a
500). The extra memory of hashing is then at most ``concurrency × memory_cost``, whatever the
number of requests.

Argon2's parameters are RFC 9106's second recommended option (§4): Argon2id, ``t = 3`` passes
over ``m = 64 MiB`` with ``p = 4`` lanes — about the same attacker cost as Django's defaults
(2 passes over 100 MiB: 192 vs 200 MiB-passes) with a third less memory per hash: about 0.3 s
of CPU, 170 ms of wall time on the reference 2-core machine. Hashes made with other parameters (Django's
defaults) still verify: Argon2 reads them from the stored hash, and Django rehashes the password
with these parameters at the user's next successful login (``must_update``).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth import hashers

#: RFC 9106 §4, second recommended option (uniformly safe, for memory-constrained settings).
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 4


class PasswordHashingBusy(Exception):
    """Every hashing permit stayed taken longer than ``PTDV_PASSWORD_HASH_WAIT_SECONDS``."""


_lock = threading.Lock()
_permits: tuple[int, threading.BoundedSemaphore] | None = None


def _semaphore() -> threading.BoundedSemaphore:
    """The process-wide semaphore, sized from the settings (rebuilt if the size changes)."""
    global _permits
    size = max(1, int(settings.PTDV_PASSWORD_HASH_CONCURRENCY))
    with _lock:
        if _permits is None or _permits[0] != size:
            _permits = (size, threading.BoundedSemaphore(size))
        return _permits[1]


class _Permit:
    """``with _Permit():`` holds one hashing permit, or raises :class:`PasswordHashingBusy`."""

    def __enter__(self) -> None:
        self.semaphore = _semaphore()
        if not self.semaphore.acquire(timeout=float(settings.PTDV_PASSWORD_HASH_WAIT_SECONDS)):
            raise PasswordHashingBusy

    def __exit__(self, *exc_info) -> None:
        self.semaphore.release()


class BoundedHashingMixin:
    """Hash and verify under a permit (the only two calls that do the expensive work)."""

    def encode(self, password, salt, *args, **kwargs):
        with _Permit():
            return super().encode(password, salt, *args, **kwargs)

    def verify(self, password, encoded):
        with _Permit():
            return super().verify(password, encoded)

    def harden_runtime(self, password, encoded):
        with _Permit():
            return super().harden_runtime(password, encoded)


class Argon2PasswordHasher(BoundedHashingMixin, hashers.Argon2PasswordHasher):
    """Django's Argon2id hasher (same ``argon2`` algorithm name, so every stored hash is read),
    bounded, with RFC 9106's parameters."""

    time_cost = ARGON2_TIME_COST
    memory_cost = ARGON2_MEMORY_KIB
    parallelism = ARGON2_PARALLELISM


class PBKDF2PasswordHasher(BoundedHashingMixin, hashers.PBKDF2PasswordHasher):
    """Django's PBKDF2 hasher, bounded too (CPU only): it verifies hashes made before Argon2."""
