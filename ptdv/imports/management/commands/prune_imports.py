from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ptdv.imports.pruning import prune


class Command(BaseCommand):
    help = (
        "Xóa tệp tải lên, các dòng lỗi và các dòng cần xem lại của các lần nhập không dùng đến từ "
        "PTDV_IMPORT_KEEP_DAYS ngày (lần nhập đã kiểm tra mà không xác nhận thì bị hủy). Chạy "
        "hằng ngày."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không xóa")

    def handle(self, *args, dry_run=False, **options):
        try:
            done = prune(dry_run=dry_run)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        verb = "Sẽ xóa" if dry_run else "Đã xóa"
        self.stdout.write(
            f"{verb} dữ liệu của {done.runs} lần nhập: {done.files} tệp, {done.problems} dòng "
            f"lỗi, {done.warnings} dòng cần xem lại."
        )
