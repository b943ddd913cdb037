"""Nhắc việc: one's own reminder preferences and calendar feed; the feed itself.

- ``/tai-khoan/nhac-viec/``: the signed-in user's own choice (on/off, daily or weekly and which
  weekday) and their calendar feed's secret address — made, made anew or revoked. There is no
  id in the address: a user reads and changes only their own preferences. A new address is
  shown once, in the answer to the POST that made it (only its hash is kept).
- ``/lich/<secret>.ics``: the feed (``ptdv.reminders.feed``), without a login; a wrong, revoked
  or deactivated user's secret is a 404 like any missing page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ptdv.reminders import feed
from ptdv.reminders.digest import FIRST_N
from ptdv.reminders.models import Frequency, ReminderPreference, Weekday


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ("enabled", "frequency", "weekday")
        widgets = {"frequency": forms.RadioSelect}
        labels = {
            "enabled": _("Nhận thư nhắc việc"),
            "frequency": _("Tần suất"),
            "weekday": _("Ngày nhận thư (nếu hằng tuần)"),
        }
        error_messages = {
            "frequency": {
                "required": _("Chọn tần suất: hằng ngày hoặc hằng tuần."),
                "invalid_choice": _("Tần suất phải là hằng ngày hoặc hằng tuần."),
            },
            "weekday": {
                "required": _("Chọn ngày trong tuần nhận thư."),
                "invalid_choice": _("Ngày trong tuần không hợp lệ."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = Frequency.choices  # no blank choice
        self.fields["weekday"].choices = Weekday.choices
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"
        self.fields["frequency"].widget.attrs["class"] = "form-check-input"
        css = (
            "form-select is-invalid"
            if self.is_bound and "weekday" in self.errors
            else "form-select"
        )
        self.fields["weekday"].widget.attrs["class"] = css


def _preference(user) -> ReminderPreference:
    """The user's saved choice, or the default (on, daily) unsaved."""
    found = ReminderPreference.objects.filter(user=user).first()
    return found or ReminderPreference(user=user)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    pref = _preference(user)
    new_feed_url = ""
    form = PreferenceForm(instance=pref)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "feed_new":
            new_feed_url = feed.feed_url(feed.new_token(user))
            pref = _preference(user)
            form = PreferenceForm(instance=pref)
            messages.success(
                request,
                gettext("Đã tạo địa chỉ lịch mới; địa chỉ cũ (nếu có) không dùng được nữa."),
            )
        elif action == "feed_revoke":
            feed.revoke(user)
            messages.success(request, gettext("Đã thu hồi địa chỉ lịch: không ai mở được nữa."))
            return redirect("reminders")
        elif action == "save":
            form = PreferenceForm(request.POST, instance=pref)
            if form.is_valid():
                # Always one's own row (created on the first save), the feed's secret untouched.
                ReminderPreference.objects.update_or_create(user=user, defaults=form.cleaned_data)
                messages.success(request, gettext("Đã lưu tùy chọn nhắc việc."))
                return redirect("reminders")
        else:
            messages.error(request, gettext("Thao tác không hợp lệ."))
            return redirect("reminders")
    context = {
        "form": form,
        "pref": pref,
        "has_email": bool(user.email),
        "feed_active": bool(pref.feed_token_hash),
        "new_feed_url": new_feed_url,
        "horizon_days": feed.HORIZON_DAYS,
        "first_n": FIRST_N,
    }
    return render(request, "web/reminders/preferences.html", context)


@require_GET
def calendar_feed(request, token: str):
    user = feed.user_for(token)
    if user is None:
        raise Http404
    body = feed.calendar(user, timezone.localdate())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ptdv-nhac-viec.ics"'
    response["Cache-Control"] = "private"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("tai-khoan/nhac-viec/", preferences, name="reminders"),
    path("lich/<slug:token>.ics", calendar_feed, name="reminders_feed"),
]
