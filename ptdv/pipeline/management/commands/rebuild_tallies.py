from typing import Any

from django.core.management.base import BaseCommand

from ptdv.pipeline.tallies import rebuild


class Command(BaseCommand):
    help = (
        "Đếm lại số hồ sơ theo giai đoạn của mọi tổ chức đảng từ các hồ sơ (bảng tổng hợp được "
        "cập nhật cùng mỗi bước; lệnh này dựng lại từ đầu)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild()
        self.stdout.write(f"Đã dựng lại {rows} dòng tổng hợp.")
