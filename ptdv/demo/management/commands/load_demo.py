from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ptdv.demo.builder import Builder, demo_shape
from ptdv.demo.registers import create_demo_registers
from ptdv.demo.users import DEMO_PASSWORD, DEMO_TOTP_SECRET, create_demo_users
from ptdv.org.models import Organisation


class Command(BaseCommand):
    help = "Tạo bộ dữ liệu minh họa (một tỉnh hư cấu) — xóa dữ liệu hiện có nếu dùng --replace."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Ngày làm mốc (YYYY-MM-DD); mặc định là hôm nay.")
        parser.add_argument(
            "--keep", action="store_true", help="Không xóa dữ liệu cũ (báo lỗi nếu đã có dữ liệu)."
        )

    def handle(self, *args, **options):
        from django.conf import settings
        from django.utils import timezone

        if settings.PRODUCTION:
            raise CommandError(
                "Không nạp dữ liệu minh họa ở chế độ vận hành (PTDV_PROFILE=production): lệnh "
                "xóa toàn bộ dữ liệu và tạo tài khoản có mật khẩu, khóa xác thực công khai."
            )
        today = date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        if Organisation.objects.exists():
            if options["keep"]:
                raise CommandError("Cơ sở dữ liệu đã có dữ liệu.")
            self.stdout.write("Xóa dữ liệu cũ…")
            call_command("flush", "--no-input", verbosity=0)
        counts = Builder(demo_shape(), today).build()
        users = create_demo_users()
        counts.update(create_demo_registers(today))
        self.stdout.write(self.style.SUCCESS("Đã tạo dữ liệu minh họa:"))
        for key, value in counts.items():
            self.stdout.write(f"  {key}: {value:,}".replace(",", "."))
        self.stdout.write(f"Tài khoản minh họa (mật khẩu {DEMO_PASSWORD}):")
        for username, role, organisation in users:
            self.stdout.write(f"  {username:10} {role} — {organisation}")
        # Multi-factor login: the demo accounts that need a code share the demo's public secret.
        self.stdout.write(
            f"Khóa minh họa cho ứng dụng xác thực (TOTP): {DEMO_TOTP_SECRET} — ở chế độ phát "
            "triển, trang nhập mã cũng hiện mã đang dùng được."
        )
