"""Coded values of a person record."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "M", _("Nam")
    FEMALE = "F", _("Nữ")


#: The 54 recognised ethnic groups, with the codes of the General Statistics Office's list
#: (Quyết định 121-TCTK/PPCĐ, 1979; still used by the party's member records).
ETHNICITIES: list[tuple[str, str]] = [
    ("01", "Kinh"), ("02", "Tày"), ("03", "Thái"), ("04", "Hoa"), ("05", "Khơ-me"),
    ("06", "Mường"), ("07", "Nùng"), ("08", "H'Mông"), ("09", "Dao"), ("10", "Gia-rai"),
    ("11", "Ngái"), ("12", "Ê-đê"), ("13", "Ba-na"), ("14", "Xơ-đăng"), ("15", "Sán Chay"),
    ("16", "Cơ-ho"), ("17", "Chăm"), ("18", "Sán Dìu"), ("19", "Hrê"), ("20", "Mnông"),
    ("21", "Ra-glai"), ("22", "Xtiêng"), ("23", "Bru-Vân Kiều"), ("24", "Thổ"), ("25", "Giáy"),
    ("26", "Cơ-tu"), ("27", "Gié-Triêng"), ("28", "Mạ"), ("29", "Khơ-mú"), ("30", "Co"),
    ("31", "Tà-ôi"), ("32", "Chơ-ro"), ("33", "Kháng"), ("34", "Xinh-mun"), ("35", "Hà Nhì"),
    ("36", "Chu-ru"), ("37", "Lào"), ("38", "La Chí"), ("39", "La Ha"), ("40", "Phù Lá"),
    ("41", "La Hủ"), ("42", "Lự"), ("43", "Lô Lô"), ("44", "Chứt"), ("45", "Mảng"),
    ("46", "Pà Thẻn"), ("47", "Cờ Lao"), ("48", "Cống"), ("49", "Bố Y"), ("50", "Si La"),
    ("51", "Pu Péo"), ("52", "Brâu"), ("53", "Ơ-đu"), ("54", "Rơ-măm"),
]  # fmt: skip
KINH = "01"


class Religion(models.TextChoices):
    NONE = "none", pgettext_lazy("religion", "Không")
    BUDDHISM = "buddhism", _("Phật giáo")
    CATHOLICISM = "catholicism", _("Công giáo")
    PROTESTANTISM = "protestantism", _("Tin lành")
    CAO_DAI = "cao_dai", _("Cao Đài")
    HOA_HAO = "hoa_hao", _("Phật giáo Hòa Hảo")
    ISLAM = "islam", _("Hồi giáo")
    OTHER = "other", _("Tôn giáo khác")


class GeneralEducation(models.TextChoices):
    """Giáo dục phổ thông. The codes are those of :mod:`ptdv.rules.facts`."""

    NONE = "none", _("Chưa học hết tiểu học")
    PRIMARY = "primary", _("Tiểu học")
    LOWER_SECONDARY = "lower_secondary", _("Trung học cơ sở")
    UPPER_SECONDARY = "upper_secondary", _("Trung học phổ thông")


class ProfessionalLevel(models.TextChoices):
    """Chuyên môn, nghiệp vụ (highest). "Công nhân kỹ thuật, nhân viên nghiệp vụ" is one level,
    as the statistics and seed 000 name it ("trình độ công nhân kỹ thuật, nhân viên nghiệp vụ"):
    a technical worker's or a clerical staff's vocational training."""

    NONE = "none", _("Chưa qua đào tạo")
    TECHNICAL_WORKER = "technical_worker", _("Công nhân kỹ thuật, nhân viên nghiệp vụ")
    VOCATIONAL = "vocational", pgettext_lazy("professional level", "Trung cấp")
    COLLEGE = "college", _("Cao đẳng")
    UNIVERSITY = "university", _("Đại học")
    MASTER = "master", _("Thạc sĩ")
    DOCTOR = "doctor", _("Tiến sĩ")


class TheoryLevel(models.TextChoices):
    """Lý luận chính trị."""

    NONE = "none", pgettext_lazy("theory level", "Chưa có")
    ELEMENTARY = "elementary", _("Sơ cấp")
    INTERMEDIATE = "intermediate", pgettext_lazy("theory level", "Trung cấp")
    ADVANCED = "advanced", _("Cao cấp, cử nhân")


class Sector(models.TextChoices):
    """Where a person works (the statistics' sectors, HD 11-HD/BTCTW)."""

    AGENCY = "agency", _("Cơ quan hành chính nhà nước, đảng, đoàn thể")
    PUBLIC_SERVICE = "public_service", _("Đơn vị sự nghiệp công lập")
    ARMED_FORCES = "armed_forces", _("Lực lượng vũ trang")
    STATE_ENTERPRISE = "state_enterprise", _("Doanh nghiệp nhà nước")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Doanh nghiệp tư nhân")
    FOREIGN_ENTERPRISE = "foreign_enterprise", _("Doanh nghiệp có vốn đầu tư nước ngoài")
    FARMER = "farmer", _("Nông dân, lao động tự do ở nông thôn")
    STUDENT = "student", _("Học sinh, sinh viên")
    SELF_EMPLOYED = "self_employed", _("Kinh doanh cá thể, lao động tự do")
    RETIRED = "retired", _("Nghỉ hưu")
    OTHER = "other", _("Khác")


ENTERPRISE_SECTORS = frozenset(
    {Sector.STATE_ENTERPRISE, Sector.PRIVATE_ENTERPRISE, Sector.FOREIGN_ENTERPRISE}
)
