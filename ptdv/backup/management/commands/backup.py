import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ptdv.backup.archive import BackupError, create_backup


def number(value: int) -> str:
    """1.234.567: Vietnamese thousands separators."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float) -> str:
    """One decimal with a decimal comma: 2,5."""
    return f"{value:.1f}".replace(".", ",")


def write_counts(stdout, counts: dict[str, int]) -> None:
    """The row count of each model that has rows."""
    for label, count in counts.items():
        if count:
            stdout.write(f"  {label:32} {number(count):>10}")


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ dữ liệu (cơ sở dữ liệu và tệp đính kèm) vào một tệp .zip, "
        "nhất quán tại một thời điểm, trong khi ứng dụng vẫn chạy."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp sao lưu sẽ ghi (.zip); nếu đã có thì bị thay thế.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Cơ sở dữ liệu (mặc định: default)."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            manifest = create_backup(options["file"], using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        counts, media = manifest["counts"], manifest["media"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sao lưu vào {options['file']}: {number(sum(counts.values()))} bản ghi "
                f"({decimal(manifest['data_bytes'] / 1e6)} MB), "
                f"{number(media['files'])} tệp đính kèm ({decimal(media['bytes'] / 1e6)} MB), "
                f"trong {decimal(seconds)} giây."
            )
        )
        write_counts(self.stdout, counts)
