"""Benchmark: encrypted backups — speed, memory, and the plaintext given back bit for bit.

    .venv/bin/python benchmarks/backup_encryption.py [--database-url URL] [--megabytes 1024]

1. A large archive without a database: a .zip of ``--megabytes`` MiB (incompressible bytes,
   stored) written plain and through :class:`ptdv.backup.crypto.EncryptingWriter`, then read
   back as a restore reads it (every chunk authenticated first, then the member read through
   :class:`~ptdv.backup.crypto.DecryptingReader` and :mod:`zipfile`). For each pass: the time,
   the throughput, and the peak resident memory of the pass (``VmHWM`` reset before it). The
   SHA-256 of what was written and of what was read back are compared: the script exits 1
   when they differ.
2. ``ptdv backup`` and ``ptdv restore`` of the demo dataset, plain and encrypted (median of
   ``--repeat`` runs): what encryption adds to the real commands; the restored tables' row
   counts are compared with the manifest's (exit 1 on a difference).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

import common

BLOCK = 1 << 20


def write_archive(path: Path, megabytes: int, key) -> str:
    """A .zip with one stored member of ``megabytes`` MiB; returns the member's SHA-256."""
    from ptdv.backup.crypto import EncryptingWriter

    block = os.urandom(BLOCK)
    digest = hashlib.sha256()
    with open(path, "wb") as raw:
        sink = raw if key is None else EncryptingWriter(raw, key)
        with (
            zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive,
            archive.open("data.bin", "w", force_zip64=True) as member,
        ):
            for i in range(megabytes):
                piece = block[i % 256 :] + block[: i % 256]  # not one block repeated
                member.write(piece)
                digest.update(piece)
        if key is not None:
            sink.close()
    return digest.hexdigest()


def read_archive(path: Path, key) -> str:
    """What a restore does: authenticate every chunk, then read the member; its SHA-256."""
    from ptdv.backup.crypto import DecryptingReader

    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        source = raw
        if key is not None:
            source = DecryptingReader(raw, key)
            source.verify()
        with zipfile.ZipFile(source) as archive, archive.open("data.bin") as member:
            while piece := member.read(BLOCK):
                digest.update(piece)
    return digest.hexdigest()


def measured(function, *args):
    common.reset_hwm()
    before = common.rss_mib()
    t0 = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - t0
    return result, seconds, common.hwm_mib() - before


def main() -> None:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--megabytes", type=int, default=1024, help="size of the large archive (1024)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each command (3)")
    args = p.parse_args()
    run = common.setup(args)

    from django.core.management import call_command

    from ptdv.backup import archive
    from ptdv.backup.crypto import Key
    from ptdv.demo.builder import demo_shape

    key = Key(os.urandom(32), "benchmark")
    folder = run.tmpdir
    failures = []
    rows = []

    with common.section(f"a {args.megabytes:,} MiB archive, plain and encrypted"):
        for name, k in (("plain", None), ("encrypted", key)):
            path = folder / f"large-{name}.zip"
            written, w_s, w_mib = measured(write_archive, path, args.megabytes, k)
            read, r_s, r_mib = measured(read_archive, path, k)
            size = path.stat().st_size
            path.unlink()
            if read != written:
                failures.append(f"{name}: the archive read back differs from the one written")
            print(
                f"   {name}: {size / 2**20:,.0f} MiB on disk; write {w_s:.1f} s "
                f"({args.megabytes / w_s:,.0f} MiB/s, peak +{w_mib:.0f} MiB), read {r_s:.1f} s "
                f"({args.megabytes / r_s:,.0f} MiB/s, peak +{r_mib:.0f} MiB); "
                f"SHA-256 {'equal' if read == written else 'DIFFERENT'}"
            )
            rows.append(
                (f"{args.megabytes:,} MiB {name}: write", f"{w_s:.1f} s", f"+{w_mib:.0f} MiB")
            )
            rows.append(
                (
                    f"{args.megabytes:,} MiB {name}: verify + read",
                    f"{r_s:.1f} s",
                    f"+{r_mib:.0f} MiB",
                )
            )
            run.record(f"large_{name}", {"mib": args.megabytes, "write_s": round(w_s, 2),
                                         "read_s": round(r_s, 2), "write_peak_mib": round(w_mib),
                                         "read_peak_mib": round(r_mib), "equal": read == written})  # fmt: skip

    with common.section("the demo dataset"):
        _counts, seconds = common.build(demo_shape(), args.today)
        print(f"   built in {seconds:.1f} s")
    with common.section(f"ptdv backup / restore of the demo dataset (median of {args.repeat})"):
        for name, k in (("plain", None), ("encrypted", key)):
            path = folder / f"demo-{name}.zip"
            backups, restores = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                manifest = archive.create_backup(path, key=k)
                backups.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                result = archive.restore_backup(path, key=k)
                restores.append(time.perf_counter() - t0)
                expected = {label: n for label, n in manifest["counts"].items() if n}
                if result["counts"] != expected:
                    failures.append(f"{name}: restored row counts differ from the manifest")
            size = path.stat().st_size
            b, r = statistics.median(backups), statistics.median(restores)
            print(f"   {name}: {size / 2**20:.1f} MiB; backup {b:.2f} s, restore {r:.2f} s")
            rows.append((f"demo backup {name} ({size / 2**20:.1f} MiB)", f"{b:.2f} s", ""))
            rows.append((f"demo restore {name}", f"{r:.2f} s", ""))
            run.record(
                f"demo_{name}", {"bytes": size, "backup_s": round(b, 3), "restore_s": round(r, 3)}
            )
        call_command("clearsessions", verbosity=0)

    print("\n== summary")
    common.table(rows, ("measure", "time", "peak memory"))
    run.record("failures", failures)
    run.finish()
    if failures:
        print("\n".join(["", "FAILED:", *failures]))
        sys.exit(1)


if __name__ == "__main__":
    main()
