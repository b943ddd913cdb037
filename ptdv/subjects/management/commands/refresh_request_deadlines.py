from django.core.management.base import BaseCommand

from ptdv.subjects.services import refresh_request_deadlines


class Command(BaseCommand):
    help = (
        "Tính lại thời hạn của các yêu cầu về dữ liệu cá nhân đang xử lý (sau khi đổi lịch ngày "
        "nghỉ, PTDV_EXTRA_DAYS_OFF / PTDV_EXTRA_WORKING_DAYS hoặc PTDV_SUBJECT_REQUEST_DAYS)."
    )

    def handle(self, *args, **options):
        changed = refresh_request_deadlines()
        self.stdout.write(f"Đã tính lại; {changed} yêu cầu có thời hạn thay đổi.")
