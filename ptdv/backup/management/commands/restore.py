import sys
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from ptdv.backup.archive import BackupError, restore_backup
from ptdv.backup.crypto import KEY_ENV, KEY_FILE_ENV
from ptdv.backup.management.commands.backup import backup_key, decimal, number, write_counts

VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Command(BaseCommand):
    help = (
        "Khôi phục dữ liệu từ một tệp sao lưu của `ptdv backup`: THAY THẾ toàn bộ dữ liệu hiện "
        "có trong cơ sở dữ liệu (trong một giao dịch: lỗi thì không đổi gì) và chép lại các tệp "
        "đính kèm."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp sao lưu do `ptdv backup` tạo.")
        parser.add_argument(
            "--key-file",
            metavar="TỆP_KHÓA",
            help=f"Tệp khóa đã dùng khi sao lưu (mặc định: biến môi trường {KEY_ENV} hoặc "
            f"{KEY_FILE_ENV}).",
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="Chấp nhận tệp sao lưu không mã hóa ở môi trường production (không ai bảo đảm "
            "được tệp đó không bị sửa).",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Không hỏi lại: đồng ý xóa toàn bộ dữ liệu hiện có và thay bằng tệp sao lưu.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Không hỏi gì; không có --yes thì từ chối.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Cơ sở dữ liệu (mặc định: default)."
        )

    def handle(self, *args, **options):
        using = options["database"]
        database = connections[using].settings_dict["NAME"]

        def confirm(manifest) -> bool:
            try:
                created = timezone.localtime(datetime.fromisoformat(manifest["created_at"]))
                created = f"{created:%H:%M %d/%m/%Y}"
            except (KeyError, TypeError, ValueError):
                created = str(manifest.get("created_at", "?"))
            vendor = manifest.get("database_vendor", "?")
            if options["verbosity"] >= 1 or not options["yes"]:
                self.stdout.write(
                    f"Tệp sao lưu {options['file']}: tạo lúc {created} "
                    f"từ {VENDORS.get(vendor, vendor)} (ptdv {manifest.get('ptdv_version', '?')}), "
                    f"{number(sum(manifest['counts'].values()))} bản ghi, "
                    f"{number(manifest.get('media', {}).get('files', 0))} tệp đính kèm."
                )
            if options["yes"]:
                return True
            warning = (
                f"Khôi phục sẽ XÓA toàn bộ dữ liệu hiện có của cơ sở dữ liệu {database} và thay "
                "bằng dữ liệu của tệp sao lưu."
            )
            if not options["interactive"] or not sys.stdin.isatty():
                raise BackupError(f"{warning} Thêm --yes để xác nhận. Chưa thay đổi gì.")
            answer = input(f"{warning}\nGõ 'yes' để tiếp tục, gì khác để hủy: ")
            return answer.strip().lower() in {"yes", "có"}

        key = backup_key(options, self.stderr)
        allow_unencrypted = options["unencrypted"] or not getattr(settings, "PRODUCTION", False)
        started = time.monotonic()
        try:
            result = restore_backup(
                options["file"],
                using=using,
                confirm=confirm,
                key=key,
                allow_unencrypted=allow_unencrypted,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        if options["verbosity"] < 1:
            return
        counts = result["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã khôi phục từ {options['file']}: {number(sum(counts.values()))} bản ghi, "
                f"{number(result['media_files'])} tệp đính kèm, trong {decimal(seconds)} giây. "
                "Mọi người cần đăng nhập lại."
            )
        )
        write_counts(self.stdout, counts)
