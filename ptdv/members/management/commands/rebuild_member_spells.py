from django.core.management.base import BaseCommand

from ptdv.members.spells import rebuild


class Command(BaseCommand):
    help = (
        "Tính lại thời gian sinh hoạt của đảng viên ở từng chi bộ (số liệu báo cáo “đảng viên "
        "tại một ngày”) từ hồ sơ, các hồ sơ phát triển đảng viên và biến động đảng viên."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--person", type=int, nargs="+", metavar="ID", help="chỉ những người có mã này"
        )

    def handle(self, *args, person=None, **options):
        written = rebuild(person)
        who = f"{len(set(person))} người" if person else "mọi người"
        self.stdout.write(f"Đã tính lại thời gian sinh hoạt của {who}: {written} dòng.")
