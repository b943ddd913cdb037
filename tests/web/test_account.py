"""The account page and the sign-in, sign-out and password change flows."""

from __future__ import annotations

from tests.base import PASSWORD, WorldTestCase

LOGIN = "/tai-khoan/dang-nhap/"
LOGOUT = "/tai-khoan/dang-xuat/"
CHANGE = "/tai-khoan/doi-mat-khau/"


class AccountPageTests(WorldTestCase):
    def test_who_i_am_and_where_my_organisation_stands(self):
        user = self.u.cell
        user.first_name, user.last_name = "Hà", "Nguyễn Thu"
        user.save()
        self.client.force_login(user)
        response = self.client.get("/tai-khoan/cua-toi/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>Tài khoản của tôi</h1>", html=True)
        self.assertContains(response, "chibo")
        self.assertContains(response, "Hà Nguyễn Thu")
        self.assertContains(response, "Bí thư / chi ủy chi bộ")
        self.assertEqual(
            [o.name for o in response.context["chain"]],
            [
                "Chi bộ thôn Đông",
                "Đảng bộ xã Hòa An",
                "Đảng bộ huyện Núi Xanh",
                "Đảng bộ tỉnh Thử Nghiệm",
            ],
        )
        self.assertContains(response, '<a href="/to-chuc/">Chi bộ thôn Đông</a>', html=True)
        self.assertContains(response, f'href="{CHANGE}"')
        self.assertContains(response, f'action="{LOGOUT}"')
        self.assertContains(response, "Chưa gắn. Quản trị viên gắn tài khoản")

    def test_linked_person(self):
        user = self.u.viewer
        user.person = self.p.mentor
        user.save()
        self.client.force_login(user)
        response = self.client.get("/tai-khoan/cua-toi/")
        self.assertContains(
            response, f'<a href="/nguoi/{self.p.mentor.pk}/">Lê Văn Giúp</a>', html=True
        )
        self.assertContains(response, "Đảng viên chính thức")
        self.assertContains(response, "Chỉ xem trong phạm vi của mình.")

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get("/tai-khoan/cua-toi/")
        self.assertRedirects(
            response, f"{LOGIN}?next=/tai-khoan/cua-toi/", fetch_redirect_response=False
        )


class SignInFlowTests(WorldTestCase):
    def test_login_page_form_errors_and_success(self):
        response = self.client.get(LOGIN)
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, '<label class="form-label" for="id_username">Tên đăng nhập</label>', html=True
        )
        self.assertContains(response, 'autocomplete="username"')
        self.assertContains(response, 'autocomplete="current-password"')
        self.assertContains(response, 'class="form-control')
        response = self.client.post(LOGIN, {"username": "chibo", "password": "sai-mat-khau"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Vui lòng điền vào")  # Django's Vietnamese message
        self.assertContains(response, 'value="chibo"')  # what was typed stays
        response = self.client.post(LOGIN, {"username": "", "password": ""})
        self.assertContains(response, "is-invalid")
        response = self.client.post(
            LOGIN, {"username": "chibo", "password": PASSWORD, "next": "/to-chuc/"}
        )
        self.assertRedirects(response, "/to-chuc/", fetch_redirect_response=False)
        response = self.client.post(LOGIN, {"username": "chibo", "password": PASSWORD})
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_logout(self):
        self.client.force_login(self.u.cell)
        response = self.client.post(LOGOUT)
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertEqual(self.client.get("/").status_code, 302)

    def test_password_change(self):
        self.client.force_login(self.u.cell)
        response = self.client.get(CHANGE)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'autocomplete="new-password"')
        new = "Mot-mat-khau-moi-2026!"
        response = self.client.post(
            CHANGE, {"old_password": "sai", "new_password1": new, "new_password2": new}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Mật khẩu cũ không chính xác")
        response = self.client.post(
            CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new + "x"}
        )
        self.assertContains(response, "Hai trường mật khẩu không giống nhau.")
        response = self.client.post(
            CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        self.assertRedirects(response, "/tai-khoan/doi-mat-khau/xong/")
        self.assertEqual(self.client.get("/tai-khoan/doi-mat-khau/xong/").status_code, 200)
        self.client.post(LOGOUT)
        self.assertTrue(self.client.login(username="chibo", password=new))

    def test_password_change_pages_use_the_site_templates(self):
        """Needs ``template_name`` in ptdv/accounts/urls.py: the admin's own
        ``registration/password_change_*.html`` come first in the template search."""
        self.client.force_login(self.u.cell)
        response = self.client.get(CHANGE)
        self.assertTemplateUsed(response, "registration/ptdv_password_change_form.html")
        self.assertContains(
            response,
            '<label class="form-label" for="id_old_password">Mật khẩu hiện tại</label>',
            html=True,
        )
        self.assertContains(response, 'class="form-control')
        response = self.client.post(
            CHANGE, {"old_password": "sai", "new_password1": "a", "new_password2": "b"}
        )
        self.assertContains(response, 'class="form-control is-invalid"')
        self.assertContains(response, '<div class="invalid-feedback" id="old_password-error">')
        response = self.client.get("/tai-khoan/doi-mat-khau/xong/")
        self.assertTemplateUsed(response, "registration/ptdv_password_change_done.html")
        self.assertContains(response, "Mật khẩu của bạn đã được đổi.")
        self.assertContains(response, 'href="/"')
