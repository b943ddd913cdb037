from ptdv.rules.facts import paper_description


def test_a_verification_names_whose_history_and_its_result():
    data = {"kind": "verification", "subject": "father", "result": "ok"}
    assert paper_description(data) == "Kết quả thẩm tra lý lịch (cha): đạt"
    pending = {"kind": "verification", "subject": "spouse", "result": None}
    assert paper_description(pending) == "Kết quả thẩm tra lý lịch (vợ/chồng): chưa có kết quả"


def test_other_papers_are_named_by_their_kind():
    assert paper_description({"kind": "application"}) == "Đơn xin vào Đảng"
    assert paper_description({}) == "Giấy tờ"
