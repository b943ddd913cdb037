from typing import Any

from django.core.management.base import BaseCommand

from ptdv.pipeline.tallies import rebuild


class Command(BaseCommand):
    help = (
        "Dựng lại số liệu tổng hợp của mọi tổ chức đảng từ các hồ sơ, phân công giúp đỡ và báo "
        "cáo của người giúp đỡ: số hồ sơ theo giai đoạn, theo hạn gần nhất, giấy tờ sắp hết hạn, "
        "các tháng đã có báo cáo giúp đỡ (bảng tổng hợp được cập nhật cùng mỗi lần ghi; lệnh "
        "này dựng lại từ đầu)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild()
        self.stdout.write(f"Đã dựng lại {rows} dòng tổng hợp.")
