from django.contrib.auth import views as auth_views
from django.urls import path

from . import mfa_views
from .views import LoginView

urlpatterns = [
    path("dang-nhap/", LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # The second step of the login (a pending login, the user not logged in yet).
    path("xac-thuc/", mfa_views.verify, name="mfa_verify"),
    path("xac-thuc/dang-ky/", mfa_views.enrol_at_login, name="mfa_enrol_login"),
    # One's second factor, in the account area.
    path("xac-thuc-hai-lop/", mfa_views.manage, name="mfa_manage"),
    path("xac-thuc-hai-lop/dang-ky/", mfa_views.enrol, name="mfa_enrol"),
    path("xac-thuc-hai-lop/ma-khoi-phuc/", mfa_views.recovery_codes, name="mfa_recovery"),
    path("xac-thuc-hai-lop/tat/", mfa_views.disable, name="mfa_disable"),
    path(
        "doi-mat-khau/",
        auth_views.PasswordChangeView.as_view(
            success_url="/tai-khoan/doi-mat-khau/xong/",
            template_name="registration/ptdv_password_change_form.html",
        ),
        name="password_change",
    ),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/ptdv_password_change_done.html"
        ),
        name="password_change_done",
    ),
]
