import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ptdv.backup.archive import BackupError, create_backup
from ptdv.backup.crypto import KEY_ENV, KEY_FILE_ENV, EncryptionError, load_key, new_key_file


def number(value: int) -> str:
    """1.234.567: Vietnamese thousands separators."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float) -> str:
    """One decimal with a decimal comma: 2,5."""
    return f"{value:.1f}".replace(".", ",")


def backup_key(options, stderr):
    """The key of ``--key-file``, ``PTDV_BACKUP_KEY`` or ``PTDV_BACKUP_KEY_FILE`` (``None``: no
    key set); a key file readable by others is warned about."""
    try:
        key, warnings = load_key(options.get("key_file"))
    except EncryptionError as exc:
        raise CommandError(str(exc)) from exc
    for warning in warnings:
        stderr.write(warning)
    return key


def write_counts(stdout, counts: dict[str, int]) -> None:
    """The row count of each model that has rows."""
    for label, count in counts.items():
        if count:
            stdout.write(f"  {label:32} {number(count):>10}")


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ dữ liệu (cơ sở dữ liệu và tệp đính kèm) vào một tệp .zip, "
        "nhất quán tại một thời điểm, trong khi ứng dụng vẫn chạy; mã hóa bằng khóa của "
        f"--key-file, {KEY_ENV} hoặc {KEY_FILE_ENV} (AES-256-GCM)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="Tệp sao lưu sẽ ghi (ví dụ ptdv-2026-01-31.zip.enc); nếu đã có thì bị thay thế.",
        )
        parser.add_argument(
            "--key-file",
            metavar="TỆP_KHÓA",
            help=f"Tệp khóa mã hóa (mặc định: biến môi trường {KEY_ENV} hoặc {KEY_FILE_ENV}).",
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="Ghi tệp không mã hóa. Ở môi trường production, không có khóa thì phải yêu cầu "
            "rõ như vậy; ở môi trường khác, không có khóa thì tệp không được mã hóa.",
        )
        parser.add_argument(
            "--new-key",
            metavar="TỆP_KHÓA",
            help="Tạo một khóa mới vào tệp này (quyền 0600, không ghi đè tệp đã có) rồi dừng.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Cơ sở dữ liệu (mặc định: default)."
        )

    def handle(self, *args, **options):
        if options["new_key"]:
            if options["file"] or options["key_file"] or options["unencrypted"]:
                raise CommandError("--new-key chỉ tạo khóa: không dùng cùng tệp sao lưu.")
            self.make_key(options["new_key"])
            return
        if not options["file"]:
            raise CommandError("Thiếu tên tệp sao lưu.")
        if options["unencrypted"]:
            if options["key_file"]:
                raise CommandError("--unencrypted và --key-file không dùng cùng nhau.")
            key = None
        else:
            key = backup_key(options, self.stderr)
            if key is None and getattr(settings, "PRODUCTION", False):
                raise CommandError(
                    "Chưa có khóa mã hóa tệp sao lưu: tệp sao lưu chứa dữ liệu cá nhân nhạy cảm "
                    "của mọi người trong hệ thống. Tạo khóa bằng `ptdv backup --new-key "
                    f"/etc/ptdv/backup.key` rồi đặt {KEY_FILE_ENV}=/etc/ptdv/backup.key (hoặc "
                    "dùng --key-file). Muốn ghi tệp không mã hóa thì thêm --unencrypted. "
                    "Chưa ghi gì."
                )
            if key is None:
                self.stderr.write(
                    f"Cảnh báo: tệp sao lưu không được mã hóa (chưa có khóa: --key-file, {KEY_ENV} "
                    f"hoặc {KEY_FILE_ENV}). Ở môi trường production lệnh này sẽ từ chối."
                )
        started = time.monotonic()
        try:
            manifest = create_backup(options["file"], using=options["database"], key=key)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        counts, media = manifest["counts"], manifest["media"]
        sealed = f", mã hóa bằng khóa mã {key.key_id}" if key else ", KHÔNG mã hóa"
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sao lưu vào {options['file']}{sealed}: {number(sum(counts.values()))} bản ghi "
                f"({decimal(manifest['data_bytes'] / 1e6)} MB), "
                f"{number(media['files'])} tệp đính kèm ({decimal(media['bytes'] / 1e6)} MB), "
                f"trong {decimal(seconds)} giây."
            )
        )
        write_counts(self.stdout, counts)

    def make_key(self, path: str) -> None:
        try:
            key = new_key_file(path)
        except EncryptionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Đã tạo khóa sao lưu mã {key.key_id} trong {path} (quyền 0600).")
        )
        self.stdout.write(
            "Giữ ngay một bản sao của tệp khóa ở nơi an toàn, tách khỏi máy chủ và các tệp sao lưu:"
            " mất khóa là mất mọi tệp sao lưu mã hóa bằng nó."
        )
