"""Reading one cell: dates, CCCD, coded values, names (pure, no database)."""

from datetime import date, datetime

import pytest

from ptdv.imports.columns import (
    CANDIDACY_COLUMNS,
    ETHNICITY,
    SECTOR,
    CellError,
    fold_header,
    parse_bool,
    parse_cccd,
    parse_date,
    parse_education,
    parse_name,
)
from ptdv.imports.kinds import KINDS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (datetime(2001, 8, 7, 0, 0), date(2001, 8, 7)),
        (date(2001, 8, 7), date(2001, 8, 7)),
        ("07/08/2001", date(2001, 8, 7)),
        ("7/8/2001", date(2001, 8, 7)),
        ("07-08-2001", date(2001, 8, 7)),
        ("07.08.2001", date(2001, 8, 7)),
        ("2001-08-07", date(2001, 8, 7)),
        (37110, date(2001, 8, 7)),  # an Excel serial number in a cell without a date format
        ("37110", date(2001, 8, 7)),
    ],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31/02/2020", "Ngày “31/02/2020” không có thật."),
        ("13/13/2020", "Ngày “13/13/2020” không có thật."),
        ("hôm qua", "“hôm qua” không phải là ngày (ghi dạng dd/mm/yyyy)."),
        (37110.5, "“37110.5” không phải là ngày (ghi dạng dd/mm/yyyy)."),
    ],
)
def test_impossible_dates(raw, message):
    with pytest.raises(CellError) as caught:
        parse_date(raw)
    assert str(caught.value) == message


def test_cccd_keeps_or_restores_leading_zeros():
    assert parse_cccd("001300012345") == "001300012345"
    assert parse_cccd(1300012345) == "001300012345"  # Excel dropped the zeros
    assert parse_cccd(1300012345.0) == "001300012345"
    assert parse_cccd("001 300 012 345") == "001300012345"
    with pytest.raises(CellError, match="12 chữ số"):
        parse_cccd("00130001234X")
    with pytest.raises(CellError, match="mã tỉnh"):
        parse_cccd("999300012345")


def test_names_are_nfc_and_capitalised():
    assert parse_name("nguye\u0302\u0303n  thi\u0323 lan") == "Nguyễn Thị Lan"
    with pytest.raises(CellError, match="chữ số"):
        parse_name("Nguyễn Văn 2")
    with pytest.raises(CellError, match="đủ họ và tên"):
        parse_name("Lan")


def test_coded_values_by_label_code_or_variant():
    assert ETHNICITY.parse("Kinh") == "01"
    assert ETHNICITY.parse(8) == "08"
    assert ETHNICITY.parse("h'mông") == "08"
    assert ETHNICITY.parse("Khơ me") == "05"
    assert SECTOR.parse("nong dan, lao dong tu do o nong thon") == "farmer"
    with pytest.raises(CellError, match="không phải giá trị được chấp nhận"):
        SECTOR.parse("Vũ trụ")
    assert parse_bool("Có") is True and parse_bool("x") is True and parse_bool("không") is False
    assert [parse_education(v) for v in ("12/12", "9/12", "5/12", "10/10", "7/10", "THCS")] == [
        "upper_secondary", "lower_secondary", "primary", "upper_secondary", "lower_secondary",
        "lower_secondary",
    ]  # fmt: skip
    with pytest.raises(CellError):
        parse_education("13/12")


def test_headers_fold_and_every_kind_has_distinct_headers():
    assert fold_header("Số CCCD *") == "so cccd"
    assert fold_header("HỌ VÀ TÊN") == "ho va ten"
    for kind in KINDS.values():
        names = [name for column in kind.columns for name in column.folded]
        assert len(names) == len(set(names)), kind.code
    assert len({c.key for c in CANDIDACY_COLUMNS}) == len(CANDIDACY_COLUMNS)
