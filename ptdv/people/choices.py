"""Coded values of a person record."""

from django.db import models


class Sex(models.TextChoices):
    MALE = "M", "Nam"
    FEMALE = "F", "Nữ"


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
    NONE = "none", "Không"
    BUDDHISM = "buddhism", "Phật giáo"
    CATHOLICISM = "catholicism", "Công giáo"
    PROTESTANTISM = "protestantism", "Tin lành"
    CAO_DAI = "cao_dai", "Cao Đài"
    HOA_HAO = "hoa_hao", "Phật giáo Hòa Hảo"
    ISLAM = "islam", "Hồi giáo"
    OTHER = "other", "Tôn giáo khác"


class GeneralEducation(models.TextChoices):
    """Giáo dục phổ thông. The codes are those of :mod:`ptdv.rules.facts`."""

    NONE = "none", "Chưa học hết tiểu học"
    PRIMARY = "primary", "Tiểu học"
    LOWER_SECONDARY = "lower_secondary", "Trung học cơ sở"
    UPPER_SECONDARY = "upper_secondary", "Trung học phổ thông"


class ProfessionalLevel(models.TextChoices):
    """Chuyên môn, nghiệp vụ (highest)."""

    NONE = "none", "Chưa qua đào tạo"
    TECHNICAL_WORKER = "technical_worker", "Công nhân kỹ thuật"
    VOCATIONAL = "vocational", "Trung cấp"
    COLLEGE = "college", "Cao đẳng"
    UNIVERSITY = "university", "Đại học"
    MASTER = "master", "Thạc sĩ"
    DOCTOR = "doctor", "Tiến sĩ"


class TheoryLevel(models.TextChoices):
    """Lý luận chính trị."""

    NONE = "none", "Chưa có"
    ELEMENTARY = "elementary", "Sơ cấp"
    INTERMEDIATE = "intermediate", "Trung cấp"
    ADVANCED = "advanced", "Cao cấp, cử nhân"


class Sector(models.TextChoices):
    """Where a person works (the statistics' sectors, HD 11-HD/BTCTW)."""

    AGENCY = "agency", "Cơ quan hành chính nhà nước, đảng, đoàn thể"
    PUBLIC_SERVICE = "public_service", "Đơn vị sự nghiệp công lập"
    ARMED_FORCES = "armed_forces", "Lực lượng vũ trang"
    STATE_ENTERPRISE = "state_enterprise", "Doanh nghiệp nhà nước"
    PRIVATE_ENTERPRISE = "private_enterprise", "Doanh nghiệp tư nhân"
    FOREIGN_ENTERPRISE = "foreign_enterprise", "Doanh nghiệp có vốn đầu tư nước ngoài"
    FARMER = "farmer", "Nông dân, lao động tự do ở nông thôn"
    STUDENT = "student", "Học sinh, sinh viên"
    SELF_EMPLOYED = "self_employed", "Kinh doanh cá thể, lao động tự do"
    RETIRED = "retired", "Nghỉ hưu"
    OTHER = "other", "Khác"


ENTERPRISE_SECTORS = frozenset(
    {Sector.STATE_ENTERPRISE, Sector.PRIVATE_ENTERPRISE, Sector.FOREIGN_ENTERPRISE}
)
