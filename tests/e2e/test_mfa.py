"""Multi-factor login in a real Chromium: a committee user who has no authenticator app yet is
sent to enrolment right after the password, scans (here: reads) the secret, gets the recovery
codes once, and then logs in with the app's code or with a recovery code; the pages pass axe
and the Content-Security-Policy (no script of their own: the QR code is an SVG image)."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import expect

from .conftest import ENROL_PATH, VERIFY_PATH, axe_check, code_of_secret, login, totp_code


def new_committee_user(demo):
    from ptdv.accounts.models import Role, User

    district = User.objects.get(username=demo.district_user).organisation
    user = User(
        username="moi_dang_ky", first_name="Cán bộ mới", organisation=district, role=Role.COMMITTEE
    )
    user.set_password(demo.password)
    user.save()
    return user


def password_step(page, username: str, password: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()


def test_enrolment_then_logins_with_the_app_and_a_recovery_code(page, demo):
    user = new_committee_user(demo)

    # --- the first login: enrolment before anything else ---------------------------------------
    password_step(page, user.username, demo.password)
    assert urlparse(page.url).path == ENROL_PATH
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký xác thực hai lớp")
    qr = page.get_by_role("img", name="Mã QR để thêm tài khoản moi_dang_ky")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    axe_check(page)
    # Nothing else opens before the enrolment.
    page.goto("/danh-sach/")
    assert urlparse(page.url).path == "/tai-khoan/dang-nhap/"
    page.goto(ENROL_PATH)

    secret = page.locator("#mfa-secret").inner_text()
    page.get_by_label("Mã trên ứng dụng mới", exact=True).fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.locator("main")).to_contain_text("Mã trên ứng dụng mới không đúng")
    page.get_by_label("Mã trên ứng dụng mới", exact=True).fill(code_of_secret(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã khôi phục")
    codes = page.get_by_role("list", name="Các mã khôi phục").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery = codes.nth(0).inner_text().strip()
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Đã lưu, tiếp tục").click()
    assert urlparse(page.url).path == "/"
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_contain_text("Cán bộ mới")

    # --- the next login: the code page --------------------------------------------------------
    page.context.clear_cookies()
    password_step(page, user.username, demo.password)
    assert urlparse(page.url).path == VERIFY_PATH
    axe_check(page)
    right = totp_code(user.username)
    page.get_by_label("Mã xác thực", exact=True).fill("654321" if right == "123456" else "123456")
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("main")).to_contain_text("Mã không đúng hoặc đã được dùng")
    # django-otp makes the app wait a second after a wrong code.
    page.wait_for_timeout(1100)
    page.get_by_label("Mã xác thực", exact=True).fill(totp_code(user.username))
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    assert urlparse(page.url).path == "/"

    # --- a lost phone: a recovery code, once ----------------------------------------------------
    page.context.clear_cookies()
    password_step(page, user.username, demo.password)
    page.get_by_label("Mã xác thực", exact=True).fill(recovery)
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    assert urlparse(page.url).path == "/"
    expect(page.locator("main")).to_contain_text("Bạn vừa dùng một mã khôi phục; còn 9 mã")

    # The account's page shows the factor, and the role's requirement.
    page.goto("/tai-khoan/xac-thuc-hai-lop/")
    expect(page.locator("main")).to_contain_text("Đang bật")
    expect(page.locator("main")).to_contain_text("Bắt buộc: không tắt được")
    axe_check(page)


def test_a_committee_user_of_the_demo_logs_in_with_the_code(page, demo):
    response = login(page, demo.district_user, demo.password)
    assert response.status == 200
    assert urlparse(page.url).path == "/"
