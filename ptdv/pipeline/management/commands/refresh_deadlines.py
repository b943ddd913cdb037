from typing import Any

from django.core.management.base import BaseCommand

from ptdv.pipeline.models import Candidacy
from ptdv.pipeline.services import refresh_candidacy


class Command(BaseCommand):
    help = "Tính lại giai đoạn và thời hạn của các hồ sơ đang mở (sau khi đổi lịch ngày nghỉ)."

    def handle(self, *args: Any, **options: Any) -> None:
        n = 0
        for candidacy in Candidacy.objects.open().iterator(chunk_size=500):
            refresh_candidacy(candidacy)
            n += 1
        self.stdout.write(f"Đã tính lại {n} hồ sơ.")
