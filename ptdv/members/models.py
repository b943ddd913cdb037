"""The life of party members after admission: member events and the spells they give.

- :class:`MemberEvent`: one transfer, exit or death of a member, append-only like the pipeline's
  ``Event`` — a wrong event is voided by a later ``correction`` event naming it, with a reason.
  Written by :mod:`ptdv.members.services` only (and in bulk by the import, :mod:`.imports`).
- :class:`MemberSpell`: a derived, rebuildable row per period a person was counted as a member
  of one cell (``start`` included, ``end`` excluded). The reports count "members on a date"
  from these rows (``start <= d < end``), so a member who left, died, or moved between cells is
  counted where and while they were. :mod:`ptdv.members.spells` writes them from the events.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ptdv.org.models import Organisation
from ptdv.org.scope import ScopedQuerySet
from ptdv.people.models import Person
from ptdv.rules.membership import KIND_LABELS, MemberEventKind

MemberEventKindChoices = models.TextChoices(
    "MemberEventKindChoices", [(k.name, (k.value, _(KIND_LABELS[k]))) for k in MemberEventKind]
)

#: The ``end`` of a spell still running: a date, so that "on d" is ``start <= d < end``.
OPEN_END = date(9999, 12, 31)


class MemberEventQuerySet(ScopedQuerySet):
    """Member events are append-only: bulk updates and deletes are refused like single ones."""

    def update(self, **kwargs):
        raise RuntimeError("Biến động đã ghi không được sửa: hãy ghi một đính chính.")

    def delete(self):
        raise RuntimeError("Biến động đã ghi không được xóa: hãy ghi một đính chính.")

    def effective(self):
        """Events not voided by a correction, corrections themselves excluded."""
        voided = MemberEvent.objects.filter(voids=models.OuterRef("pk"))
        return self.exclude(kind=MemberEventKind.CORRECTION).exclude(models.Exists(voided))


class MemberEvent(models.Model):
    """One change in a member's party life: a transfer, leaving the Party, death.

    - ``cell``: where the event counts — the member's cell on that day, before the event (for a
      transfer in: the receiving cell).
    - ``to_cell``: the receiving cell of a transfer inside the installation.
    - ``outside``: the party organisation outside the installation a member comes from (transfer
      in) or goes to (transfer out).
    - ``before``: the person's membership fields just before the event (status, dates, card
      number, cell), restored when the event is voided.
    - ``data``: for a transfer in, the member's admission and recognition dates and card number
      as their party papers give them.
    """

    SCOPE = "person__cell"

    person = models.ForeignKey(
        Person, verbose_name=_("đảng viên"), on_delete=models.PROTECT, related_name="member_events"
    )
    #: 1, 2, … per person: two writers cannot both append the same number.
    seq = models.PositiveIntegerField(_("thứ tự"))
    kind = models.CharField(_("biến động"), max_length=16, choices=MemberEventKindChoices.choices)
    date = models.DateField(_("ngày"))
    number = models.CharField(_("số quyết định / giấy giới thiệu"), max_length=64, blank=True)
    issued_by = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    cell = models.ForeignKey(
        Organisation, verbose_name=_("chi bộ"), on_delete=models.PROTECT, related_name="+"
    )
    to_cell = models.ForeignKey(
        Organisation,
        verbose_name=_("chi bộ chuyển đến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside = models.CharField(_("tổ chức đảng ngoài hệ thống"), max_length=255, blank=True)
    data = models.JSONField(_("nội dung"), default=dict, blank=True)
    before = models.JSONField(_("trước biến động"), default=dict, blank=True)
    voids = models.OneToOneField(
        "self",
        verbose_name=_("đính chính biến động"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="voided_by",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    objects = MemberEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("biến động đảng viên")
        verbose_name_plural = _("biến động đảng viên")
        ordering = ["person_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="member_event_seq_unique"),
            models.CheckConstraint(
                condition=~Q(kind="correction") | Q(voids__isnull=False),
                name="member_event_correction_names_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer") | Q(to_cell__isnull=False),
                name="member_event_transfer_has_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "date"]),
            models.Index(fields=["cell", "kind", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Biến động đã ghi không được sửa: hãy ghi một đính chính.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Biến động đã ghi không được xóa: hãy ghi một đính chính.")

    @property
    def kind_enum(self) -> MemberEventKind:
        return MemberEventKind(self.kind)


class MemberSpellQuerySet(ScopedQuerySet):
    def on(self, day: date):
        """Spells running on ``day``: the members counted that day."""
        return self.filter(start__lte=day, end__gt=day)


class MemberSpell(models.Model):
    """A person counted as a member of ``cell`` from ``start`` (included) to ``end`` (excluded).

    Derived from the person's record, the candidacy that admitted them and their member events
    (:mod:`ptdv.members.spells`), rewritten in the same transaction as each of them; never
    edited by hand. ``ptdv manage rebuild_member_spells`` rewrites them all.
    """

    SCOPE = "cell"

    person = models.ForeignKey(
        Person, verbose_name=_("đảng viên"), on_delete=models.CASCADE, related_name="member_spells"
    )
    cell = models.ForeignKey(
        Organisation, verbose_name=_("chi bộ"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến trước ngày"), default=OPEN_END)
    #: One of ``rules.membership.START_REASONS``.
    start_reason = models.CharField(_("bắt đầu do"), max_length=16)
    #: One of ``rules.membership.END_REASONS`` ("" while the spell runs).
    end_reason = models.CharField(_("kết thúc do"), max_length=16, blank=True)

    objects = MemberSpellQuerySet.as_manager()

    class Meta:
        verbose_name = _("thời gian sinh hoạt của đảng viên")
        verbose_name_plural = _("thời gian sinh hoạt của đảng viên")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="member_spell_in_order"),
        ]
        indexes = [
            # Members on a day of a subtree: the cell's path, then ``start <= d < end``.
            models.Index(fields=["cell", "start", "end"], name="member_spell_cell_dates"),
            # Flows of a period: spells that start or end in it.
            models.Index(fields=["start", "start_reason"], name="member_spell_start"),
            models.Index(fields=["end", "end_reason"], name="member_spell_end"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.cell_id}: {self.start} – {self.end}"
