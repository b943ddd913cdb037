"""Signing in: a wrong password is refused in Vietnamese, the right one opens the to-do page."""

from urllib.parse import urlparse

from playwright.sync_api import expect

from .conftest import assert_styled, login, open_page


def invalid_login_message() -> str:
    """Django's refusal for a wrong username or password, in Vietnamese (as the page shows it)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.forms import AuthenticationForm
    from django.utils import translation

    username_label = get_user_model()._meta.get_field("username").verbose_name
    with translation.override("vi"):
        return str(AuthenticationForm.error_messages["invalid_login"]) % {
            "username": username_label
        }


def test_login_page_is_served_with_its_styles(page, server):
    open_page(page, "/tai-khoan/dang-nhap/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    assert_styled(page)


def test_cell_secretary_is_refused_with_a_wrong_password_then_signs_in(page, demo):
    message = invalid_login_message()
    assert "mật khẩu" in message  # the Vietnamese text, not Django's English one

    response = login(page, demo.cell_user, "khong-dung-mat-khau")
    assert response.status == 200
    assert urlparse(page.url).path == "/tai-khoan/dang-nhap/"
    expect(page.locator("main")).to_contain_text(message)
    expect(page.get_by_label("Tên đăng nhập", exact=True)).to_have_value(demo.cell_user)

    response = login(page, demo.cell_user, demo.password)
    assert response.status == 200
    assert urlparse(page.url).path == "/"
    # Signed in: the navigation bar names the user (the demo account's full name).
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_contain_text("Bí thư chi bộ")
