"""The login page: Django's view with ptdv's form, and "server busy" as a 503."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from .forms import LoginForm

#: Seconds a refused login is told to wait before trying again (``Retry-After``).
BUSY_RETRY_AFTER = 5


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.server_busy:
            response.status_code = 503
            response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
