from typing import Any

from django.core.management.base import BaseCommand

from ptdv.reports.stays import rebuild


class Command(BaseCommand):
    help = (
        "Dựng lại thời gian ở từng giai đoạn của mọi hồ sơ từ các bước đã ghi (bảng này được "
        "cập nhật cùng mỗi bước; báo cáo tiến trình đọc nó)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild()
        self.stdout.write(f"Đã dựng lại {rows} lượt ở giai đoạn.")
