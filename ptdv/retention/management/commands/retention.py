"""``ptdv retention --dry-run | --apply``: the retention policy (ptdv/retention/policy.py)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ptdv.retention import policy
from ptdv.retention.anonymise import DEFAULT_BATCH, apply


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("Ngày không hợp lệ: %(value)s (viết YYYY-MM-DD).") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = (
        "Ẩn danh hồ sơ của những người không được kết nạp (tự rút, đưa ra khỏi danh sách, "
        "chuyển đi, từ trần trước khi kết nạp, hồ sơ trùng đã hợp nhất) khi đã quá thời hạn "
        "lưu trữ (PTDV_RETENTION_…_YEARS). Không khôi phục được: sao lưu là việc của đơn vị "
        "vận hành."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument(
            "--dry-run", action="store_true", help="chỉ đếm những hồ sơ đến hạn, không ghi gì"
        )
        mode.add_argument("--apply", action="store_true", help="ẩn danh các hồ sơ đến hạn")
        parser.add_argument(
            "--on",
            type=_day,
            metavar="YYYY-MM-DD",
            help="với --dry-run: xem trước các hồ sơ sẽ đến hạn vào ngày này",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH,
            metavar="N",
            help=f"số hồ sơ mỗi giao dịch (mặc định {DEFAULT_BATCH})",
        )

    def handle(self, *args, **options):
        applying, on, batch_size = options["apply"], options["on"], options["batch_size"]
        verbosity = options["verbosity"]
        if on is not None and applying:
            raise CommandError(_("--on chỉ dùng với --dry-run: --apply luôn áp dụng cho hôm nay."))
        if not 1 <= batch_size <= 5000:
            raise CommandError(_("--batch-size phải từ 1 đến 5000."))
        today = on or timezone.localdate()
        kept = policy.years()
        self.stdout.write(
            _("Chính sách lưu trữ (số năm sau kết quả): %(policy)s.")
            % {
                "policy": "; ".join(
                    f"{_(policy.OUTCOME_LABELS[outcome])}: {years}"
                    for outcome, years in kept.items()
                )
            }
        )

        def progress(n: int) -> None:
            if verbosity >= 2:
                self.stdout.write(_("… đã ẩn danh %(n)s hồ sơ") % {"n": n})

        result = apply(today, dry_run=not applying, batch_size=batch_size, progress=progress)
        lines = [
            f"  - {_(policy.OUTCOME_LABELS[outcome])}: {result.by_outcome[outcome.value]}"
            for outcome in policy.Outcome
            if result.by_outcome[outcome.value]
        ]
        if not applying:
            self.stdout.write(
                _("Đến hạn ẩn danh vào ngày %(day)s: %(n)s hồ sơ (chưa ghi gì).")
                % {"day": f"{today:%d/%m/%Y}", "n": result.total}
            )
        else:
            self.stdout.write(
                _("Đã ẩn danh %(n)s hồ sơ (ngày %(day)s).")
                % {"day": f"{today:%d/%m/%Y}", "n": result.total}
            )
        for line in lines:
            self.stdout.write(line)
