from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ptdv.privacy.models import AccessEntry


class Command(BaseCommand):
    help = (
        "Xóa các mục nhật ký truy cập dữ liệu cá nhân cũ hơn thời hạn lưu "
        "(PTDV_ACCESS_LOG_RETENTION_DAYS ngày). Chạy hằng ngày."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="chỉ đếm các mục sẽ bị xóa, không xóa",
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.PTDV_ACCESS_LOG_RETENTION_DAYS
        if days < 1:
            raise CommandError(
                f"PTDV_ACCESS_LOG_RETENTION_DAYS phải là số ngày dương (đang là {days})."
            )
        before = timezone.now() - timedelta(days=days)
        when = timezone.localtime(before).strftime("%d/%m/%Y %H:%M")
        if dry_run:
            count = AccessEntry.objects.filter(at__lt=before).count()
            self.stdout.write(f"Sẽ xóa {count} mục nhật ký truy cập ghi trước {when}.")
            return
        deleted = AccessEntry.objects.prune(before)
        self.stdout.write(f"Đã xóa {deleted} mục nhật ký truy cập ghi trước {when}.")
