"""A deletion request carried out: the person's record anonymised at once, as the retention
policy does when its period ends, and the request answered, in one transaction.

The requests register (``ptdv.subjects``) sits below the retention, whose erasure also erases the
registers' personal fields: so the erasure for a request is the retention's, and it records the
answer through the register's own writer (:func:`ptdv.subjects.services.record_request_step`).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ptdv.subjects.models import RequestStep, SubjectRequest
from ptdv.subjects.services import CHANGED, Refused, record_request_step

from .anonymise import NotErasable, erase_on_request

#: The answer recorded when ptdv erased the data of a deletion request (stored, Vietnamese).
ERASED_ANSWER = (
    "Đã xóa vĩnh viễn dữ liệu cá nhân của người này trong ptdv (hồ sơ được ẩn danh; các bước "
    "của hồ sơ phát triển đảng viên giữ lại không kèm dữ liệu cá nhân để số liệu báo cáo không đổi)."
)


def erase_for_request(
    request: SubjectRequest, *, version: int, actor=None, today: date | None = None
) -> RequestStep:
    """Carry out a deletion request: anonymise the person's record now (as the retention policy
    does, :func:`~ptdv.retention.anonymise.erase_on_request`) and record the answer, in one
    transaction, against the ``version`` of the request its author saw. Refused for another kind
    of request, a request no longer open, or a record the policy keeps (with why)."""
    today = today or timezone.localdate()
    if request.kind != "deletion":
        raise Refused(_("Chỉ yêu cầu xóa dữ liệu mới được thực hiện bằng cách xóa hồ sơ."))
    with transaction.atomic():
        locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if locked.version != version:
            raise Refused(_(CHANGED))
        if not locked.is_open:
            raise Refused(_("Yêu cầu đã được trả lời hoặc đã đóng: không xóa dữ liệu nữa."))
        try:
            erase_on_request(locked.person_id, actor=actor, request_id=locked.pk, today=today)
        except NotErasable as refused:
            raise Refused(_(refused.message)) from None
        return record_request_step(
            locked, "answered", today, ERASED_ANSWER, version=version, actor=actor, today=today
        )
