"""``ptdv manage processing_inventory OUT.docx|OUT.xlsx``: the processing inventory as a file."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ptdv.inventory.document import build_inventory, write_docx, write_xlsx

FORMATS = (".docx", ".xlsx")


class Command(BaseCommand):
    help = (
        "Ghi danh mục hoạt động xử lý dữ liệu cá nhân (kèm hồ sơ đánh giá tác động) ra tệp "
        ".docx hoặc .xlsx, lập từ mã nguồn và cấu hình đang chạy."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp sẽ ghi: …/danh-muc.docx hoặc …/danh-muc.xlsx.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if path.suffix.lower() not in FORMATS:
            raise CommandError(
                f"Tệp {path} phải có đuôi .docx (Word) hoặc .xlsx (Excel) để chọn định dạng."
            )
        if path.is_dir() or not path.parent.is_dir():
            raise CommandError(f"Không ghi được vào {path}: cần một tên tệp trong thư mục có sẵn.")
        inventory = build_inventory()
        try:
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
            )
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp {path}: {exc}") from exc
        try:
            with os.fdopen(descriptor, "wb") as out:
                if path.suffix.lower() == ".docx":
                    out.write(write_docx(inventory))
                else:
                    write_xlsx(inventory, out)
            os.replace(temporary, path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"Không ghi được tệp {path}: {exc}") from exc
        fields = sum(len(s.rows) for s in inventory.sections if s.key == "truong-du-lieu")
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Đã ghi danh mục xử lý dữ liệu cá nhân vào {path}: "
                    f"{len(inventory.sections)} phần, {fields} trường dữ liệu cá nhân."
                )
            )
