"""The party's organisation tree and the places its cells serve."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .scope import ScopedQuerySet


class OrgKind(models.TextChoices):
    """What a node of the tree is. Labels only: no rule depends on the depth of a node."""

    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Đảng bộ tỉnh / thành phố")
    BLOC = "bloc", _("Đảng bộ khối")
    DISTRICT = "district", _("Đảng bộ huyện / quận (trước 7/2025)")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Đảng bộ cơ sở")
    GRASSROOTS_CELL = "grassroots_cell", _("Chi bộ cơ sở")
    PARTIAL_COMMITTEE = "partial_committee", _("Đảng bộ bộ phận")
    CELL = "cell", _("Chi bộ trực thuộc")


#: Kinds whose members meet in this node: a chi bộ cơ sở is both grassroots and a cell.
CELL_KINDS = frozenset({OrgKind.CELL, OrgKind.GRASSROOTS_CELL})
GRASSROOTS_KINDS = frozenset({OrgKind.GRASSROOTS_COMMITTEE, OrgKind.GRASSROOTS_CELL})


#: The code of a party organisation in the national party-member database (CSDL đảng viên):
#: its levels joined by dots, province first — two digits, then each level's letters and
#: digits, e.g. ``15.CS023.CB002`` (province . grassroots . cell; docs/handoff.md). Entered by an
#: administrator per organisation as the national system gives it, never derived from names.
PARTY_CODE_PATTERN = r"^[0-9]{2}(\.[A-Z]{1,6}[0-9]{1,6}){0,5}$"  # ASCII digits (\d takes others)
validate_party_code = RegexValidator(
    PARTY_CODE_PATTERN,
    _(
        "Mã tổ chức đảng trên CSDL đảng viên gồm mã tỉnh (2 chữ số) rồi mã từng cấp, mỗi cấp "
        "gồm chữ in hoa và chữ số, cách nhau bằng dấu chấm, ví dụ 15.CS023.CB002."
    ),
    code="party_code",
)


def normalise_party_code(value: str | None) -> str | None:
    """The code as stored: spaces removed, letters in capitals; ``None`` for an empty one."""
    if value is None:
        return None
    cleaned = "".join(str(value).split()).upper()
    return cleaned or None


class OrganisationQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    def cells(self):
        return self.filter(kind__in=CELL_KINDS)

    def grassroots(self):
        return self.filter(kind__in=GRASSROOTS_KINDS)


class OrganisationManager(MP_NodeManager.from_queryset(OrganisationQuerySet)):
    def get_queryset(self):
        return OrganisationQuerySet(self.model, using=self._db).order_by("path")


def ancestor_paths(path: str) -> list[str]:
    """The paths of the ancestors-or-self of the organisation at ``path``, root first: its
    prefixes of whole levels (``Organisation.steplen`` characters each)."""
    step = Organisation.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


class Organisation(MP_Node):
    """A party organisation: any node of the tree, from the centre to a cell.

    - The competent committee (cấp ủy có thẩm quyền kết nạp, công nhận chính thức) and the
      direct superior committee (cấp ủy cấp trên trực tiếp) are set by the deployment per
      subtree: the nearest node of the ancestors-or-self that names one wins (Điều lệ Đảng,
      Điều 4; QĐ 294-QĐ/TW 2025 on delegated admission power).
    """

    SCOPE = ""
    steplen = 4

    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=80, blank=True)
    kind = models.CharField(_("loại"), max_length=32, choices=OrgKind.choices)
    code = models.CharField(_("mã"), max_length=32, unique=True, null=True, blank=True)
    party_code = models.CharField(
        _("mã tổ chức đảng trên CSDL đảng viên"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_party_code],
        help_text=_(
            "Mã của tổ chức đảng trên Cơ sở dữ liệu đảng viên toàn quốc, ví dụ 15.CS023.CB002 "
            "(tỉnh . cơ sở . chi bộ). Dùng khi bàn giao dữ liệu đảng viên mới."
        ),
    )
    competent_committee = models.ForeignKey(
        "self",
        verbose_name=_("cấp ủy có thẩm quyền kết nạp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Đặt cho gốc của một nhánh; các tổ chức bên dưới thừa hưởng."),
    )
    direct_superior = models.ForeignKey(
        "self",
        verbose_name=_("cấp ủy cấp trên trực tiếp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disadvantaged_area = models.BooleanField(
        _("vùng cao, biên giới, hải đảo, dân tộc thiểu số, đặc biệt khó khăn"),
        default=False,
        help_text=_("Áp dụng ngoại lệ về trình độ học vấn cho người vào Đảng ở nhánh này."),
    )
    founded_on = models.DateField(_("ngày thành lập"), null=True, blank=True)
    dissolved_on = models.DateField(_("ngày giải thể / sáp nhập"), null=True, blank=True)

    objects = OrganisationManager()

    class Meta:
        verbose_name = _("tổ chức đảng")
        verbose_name_plural = _("tổ chức đảng")
        indexes = [models.Index(fields=["kind", "path"])]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None):
        self.party_code = normalise_party_code(self.party_code)
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.party_code = normalise_party_code(self.party_code)
        super().save(*args, **kwargs)

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS

    def ancestor_paths(self) -> list[str]:
        """Paths of the ancestors-or-self, root first (no query)."""
        return ancestor_paths(self.path)

    def ancestors_or_self(self) -> list[Organisation]:
        by_path = {o.path: o for o in Organisation.objects.filter(path__in=self.ancestor_paths())}
        return [by_path[p] for p in self.ancestor_paths() if p in by_path]

    def _inherited(self, attribute: str) -> Organisation | None:
        for node in reversed(self.ancestors_or_self()):
            value = getattr(node, f"{attribute}_id")
            if value is not None:
                return getattr(node, attribute)
        return None

    def effective_competent_committee(self) -> Organisation | None:
        return self._inherited("competent_committee")

    def effective_direct_superior(self) -> Organisation | None:
        return self._inherited("direct_superior")

    def grassroots_organisation(self) -> Organisation | None:
        """The nearest grassroots organisation among the ancestors-or-self."""
        for node in reversed(self.ancestors_or_self()):
            if node.is_grassroots:
                return node
        return None

    def has_partial_committee(self) -> bool:
        return any(n.kind == OrgKind.PARTIAL_COMMITTEE for n in self.ancestors_or_self())

    def in_disadvantaged_area(self) -> bool:
        return any(n.disadvantaged_area for n in self.ancestors_or_self())


class PlaceKind(models.TextChoices):
    VILLAGE = "village", _("Thôn, bản, tổ dân phố")
    SCHOOL = "school", _("Trường học")
    HEALTH_STATION = "health_station", _("Trạm y tế")
    AGENCY = "agency", _("Cơ quan")
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    OTHER = "other", _("Khác")


class Coverage(models.TextChoices):
    OWN_CELL = "own", _("Có chi bộ riêng")
    MERGED_CELL = "merged", _("Sinh hoạt chi bộ ghép")
    NONE = "none", _("Chưa có chi bộ")


class PlaceQuerySet(ScopedQuerySet):
    def serving(self, user):
        """Places of the user's subtree, and the places a cell of the subtree covers.

        ``visible_to`` follows the place's (grassroots) organisation, so a cell's secretary
        would see none of the villages their own cell covers; this adds them, for reading
        (pages and choices). Editing places in the admin stays with ``visible_to``.
        """
        cells = Organisation.objects.visible_to(user)
        return self.filter(
            Q(pk__in=Place.objects.visible_to(user).values("pk")) | Q(cell__in=cells.values("pk"))
        )

    def with_coverage(self):
        """Annotate ``places_in_cell``: how many places share this place's cell."""
        return self.annotate(
            places_in_cell=Count("cell__places", filter=Q(cell__isnull=False), distinct=True)
        )


class Place(models.Model):
    """A village (thôn, bản, tổ dân phố), school, health station, agency or enterprise.

    Coverage (seed 003): a place has its own cell, shares a merged cell (chi bộ ghép) with other
    places, or has none.
    """

    SCOPE = "organisation"

    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=32, choices=PlaceKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("thuộc tổ chức cơ sở đảng"),
        on_delete=models.PROTECT,
        related_name="territory",
    )
    cell = models.ForeignKey(
        Organisation,
        verbose_name=_("chi bộ phụ trách"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        limit_choices_to={"kind__in": sorted(CELL_KINDS)},
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("địa bàn")
        verbose_name_plural = _("địa bàn")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "name"], name="place_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, since=None, **kwargs):
        """Save; when the cell changes (or the place is new), append to the place's history.

        ``since`` is the day the new cell took the place over (today by default); it may not go
        before the history's latest row (the admin's form says so to the user).
        """
        changed = self.pk is None or (
            Place.objects.filter(pk=self.pk).values_list("cell_id", flat=True).first()
            != self.cell_id
        )
        if changed:
            since = since or timezone.localdate()
            if self.pk is not None:
                latest = self.history.order_by("-since", "-pk").values_list("since", flat=True)
                if latest and since < latest[0]:
                    raise ValueError("A place's history is appended in date order.")
        with transaction.atomic():
            super().save(*args, **kwargs)
            if changed:
                PlaceCell.objects.create(place=self, cell_id=self.cell_id, since=since)

    def coverage(self) -> Coverage:
        if self.cell_id is None:
            return Coverage.NONE
        shared = getattr(self, "places_in_cell", None)
        if shared is None:
            shared = Place.objects.filter(cell_id=self.cell_id).count()
        return Coverage.OWN_CELL if shared <= 1 else Coverage.MERGED_CELL


class PlaceCell(models.Model):
    """From ``since`` on, ``cell`` serves the place (``None``: no cell). Append-only history.

    The coverage of villages, schools and health stations at any date (seed 003: villages with a
    merged cell "from 56 down to 20") reads this history; ``Place.cell`` is the current row.
    """

    SCOPE = "place__organisation"

    place = models.ForeignKey(
        Place, verbose_name=_("địa bàn"), on_delete=models.CASCADE, related_name="history"
    )
    cell = models.ForeignKey(
        Organisation,
        verbose_name=_("chi bộ phụ trách"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateField(_("từ ngày"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("chi bộ phụ trách địa bàn (lịch sử)")
        verbose_name_plural = _("chi bộ phụ trách địa bàn (lịch sử)")
        ordering = ["place_id", "since", "pk"]
        indexes = [models.Index(fields=["place", "since"])]

    def __str__(self) -> str:
        return f"{self.place} — {self.cell or '—'} ({self.since:%d/%m/%Y})"
