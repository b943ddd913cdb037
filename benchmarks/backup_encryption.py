"""Benchmark: encrypted backups — speed, memory, and the plaintext given back bit for bit.

    .venv/bin/python benchmarks/backup_encryption.py [--database-url URL] [--megabytes 1024]

1. A large archive without a database: a .zip of ``--megabytes`` MiB (incompressible bytes,
   stored) written plain and through :class:`ptdv.backup.crypto.EncryptingWriter`, then read
   back as a restore reads it (every chunk authenticated first, then the member read through
   :class:`~ptdv.backup.crypto.DecryptingReader` and :mod:`zipfile`). For each pass: the time,
   the throughput, and the peak resident memory of the pass (``VmHWM`` reset before it). The
   SHA-256 of what was written and of what was read back are compared: the script exits 1
   when they differ. ``--rounds`` rounds (2), plain and encrypted interleaved, the order
   alternating: the medians and the encrypted ÷ plain ratio of each round.
2. ``ptdv backup`` and ``ptdv restore`` of the demo dataset, plain and encrypted (median of
   ``--repeat`` interleaved rounds): what encryption adds to the real commands; the restored
   tables' row counts are compared with the manifest's (exit 1 on a difference).
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
    p.add_argument("--rounds", type=int, default=2, help="rounds of the large archive (2)")
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

    kinds = (("plain", None), ("encrypted", key))
    with common.section(
        f"a {args.megabytes:,} MiB archive, plain and encrypted ({args.rounds} interleaved rounds)"
    ):
        large = {
            name: {"write": [], "read": [], "write_mib": [], "read_mib": []} for name, _ in kinds
        }
        for i in range(args.rounds):
            for name, k in kinds if i % 2 == 0 else kinds[::-1]:
                path = folder / f"large-{name}.zip"
                written, w_s, w_mib = measured(write_archive, path, args.megabytes, k)
                read, r_s, r_mib = measured(read_archive, path, k)
                size = path.stat().st_size
                path.unlink()
                if read != written:
                    failures.append(f"{name}: the archive read back differs from the one written")
                for label, value in (
                    ("write", w_s),
                    ("read", r_s),
                    ("write_mib", w_mib),
                    ("read_mib", r_mib),
                ):
                    large[name][label].append(value)
                large[name]["size_mib"] = size / 2**20
                print(
                    f"   round {i + 1}, {name}: {size / 2**20:,.0f} MiB on disk; write {w_s:.1f} s "
                    f"({args.megabytes / w_s:,.0f} MiB/s, peak +{w_mib:.0f} MiB), read {r_s:.1f} s "
                    f"({args.megabytes / r_s:,.0f} MiB/s, peak +{r_mib:.0f} MiB); "
                    f"SHA-256 {'equal' if read == written else 'DIFFERENT'}"
                )
        for name, _ in kinds:
            m = large[name]
            w_s, r_s = statistics.median(m["write"]), statistics.median(m["read"])
            rows.append(
                (
                    f"{args.megabytes:,} MiB {name}: write",
                    f"{w_s:.1f} s",
                    f"{args.megabytes / w_s:,.0f} MiB/s",
                    f"+{max(m['write_mib']):.0f} MiB",
                )
            )
            rows.append(
                (
                    f"{args.megabytes:,} MiB {name}: verify + read",
                    f"{r_s:.1f} s",
                    f"{args.megabytes / r_s:,.0f} MiB/s",
                    f"+{max(m['read_mib']):.0f} MiB",
                )
            )
            run.record(
                f"large_{name}",
                {
                    "mib": args.megabytes,
                    "size_mib": round(m["size_mib"], 1),
                    "write_s": [round(x, 2) for x in m["write"]],
                    "read_s": [round(x, 2) for x in m["read"]],
                    "write_peak_mib": round(max(m["write_mib"])),
                    "read_peak_mib": round(max(m["read_mib"])),
                },
            )
        for label in ("write", "read"):
            ratios = [
                e / p for e, p in zip(large["encrypted"][label], large["plain"][label], strict=True)
            ]
            ratio = statistics.median(ratios)
            print(
                f"   encrypted ÷ plain, {label}: {ratio:.2f} (rounds: "
                f"{', '.join(f'{r:.2f}' for r in ratios)})"
            )
            run.record(f"large_ratio_{label}", [round(r, 3) for r in ratios])

    with common.section("the demo dataset"):
        _counts, seconds = common.build(demo_shape(), args.today)
        print(f"   built in {seconds:.1f} s")
    with common.section(
        f"ptdv backup / restore of the demo dataset ({args.repeat} interleaved rounds, median)"
    ):
        demo = {name: {"backup": [], "restore": []} for name, _ in kinds}
        for i in range(args.repeat):
            for name, k in kinds if i % 2 == 0 else kinds[::-1]:
                path = folder / f"demo-{name}.zip"
                t0 = time.perf_counter()
                manifest = archive.create_backup(path, key=k)
                demo[name]["backup"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                result = archive.restore_backup(path, key=k)
                demo[name]["restore"].append(time.perf_counter() - t0)
                demo[name]["size"] = path.stat().st_size
                expected = {label: n for label, n in manifest["counts"].items() if n}
                if result["counts"] != expected:
                    failures.append(f"{name}: restored row counts differ from the manifest")
        for name, _ in kinds:
            size = demo[name]["size"]
            b, r = statistics.median(demo[name]["backup"]), statistics.median(demo[name]["restore"])
            print(f"   {name}: {size / 2**20:.1f} MiB; backup {b:.2f} s, restore {r:.2f} s")
            rows.append((f"demo backup {name} ({size / 2**20:.1f} MiB)", f"{b:.2f} s", "", ""))
            rows.append((f"demo restore {name}", f"{r:.2f} s", "", ""))
            run.record(
                f"demo_{name}", {"bytes": size, "backup_s": round(b, 3), "restore_s": round(r, 3)}
            )
        call_command("clearsessions", verbosity=0)

    print("\n== summary")
    common.table(rows, ("measure", "time (median)", "throughput", "peak memory"))
    run.record("failures", failures)
    run.finish()
    if failures:
        print("\n".join(["", "FAILED:", *failures]))
        sys.exit(1)


if __name__ == "__main__":
    main()
