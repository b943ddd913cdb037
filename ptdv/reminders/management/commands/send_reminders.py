"""``ptdv manage send_reminders``: send today's reminder digests (idempotent: run it as often as
you like; each user gets at most one digest a day). For a systemd timer or cron, when the worker's
clock is off (``PTDV_REMINDER_HOUR=-1``); docs/reminders.md."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from ptdv.reminders import sending


class Command(BaseCommand):
    help = "Gửi thư nhắc việc của hôm nay (mỗi người dùng nhiều nhất một thư một ngày)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Ngày gửi, YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam)."
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="Thời gian chạy tối đa (mặc định PTDV_REMINDER_RUN_SECONDS).",
        )

    def handle(self, *args, **options):
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date phải có dạng YYYY-MM-DD, ví dụ 2026-03-05.") from exc
        result = sending.run(day, seconds=options["seconds"])
        self.stdout.write(
            f"{result.day:%d/%m/%Y}: đã gửi {result.sent}, không có việc {result.nothing}, "
            f"lỗi {result.failed}, đã xử lý trước {result.skipped}"
            + (" (hết thời gian: lần chạy sau gửi tiếp)" if result.cut_short else "")
        )
        if result.failed:
            raise CommandError(f"{result.failed} thư gửi lỗi: lần chạy sau hôm nay sẽ gửi lại.")
