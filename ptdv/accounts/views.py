"""The login page: Django's view with ptdv's form, "server busy" as a 503, and the second step
for the users who need one (``mfa.py``)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from . import mfa
from .forms import LoginForm

#: Seconds a refused login is told to wait before trying again (``Retry-After``).
BUSY_RETRY_AFTER = 5


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if not mfa.second_step_needed(user):
            return super().form_valid(form)
        # The password is right; the login waits for the second factor (or its enrolment).
        mfa.begin(self.request, user, self.get_success_url())
        return redirect("mfa_verify" if mfa.device_id(user) is not None else "mfa_enrol_login")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.server_busy:
            response.status_code = 503
            response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
