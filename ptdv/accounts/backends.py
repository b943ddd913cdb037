"""Django's model backend, reading the user's second-factor device with the user.

Every request of a signed-in user loads the user (``get_user``). Here the same query also reads
the id of the user's TOTP device (a subquery on the device's indexed ``user_id``), annotated as
``user.mfa_device_id``: ``MfaMiddleware`` compares it with the device the session was verified
with, at no extra query. A device removed (an administrator's reset) or replaced is seen at the
user's next request.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.db.models import OuterRef, Subquery
from django_otp.plugins.otp_totp.models import TOTPDevice

from .mfa import USER_DEVICE_ATTR


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        device = (
            TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
            .order_by("pk")
            .values("pk")[:1]
        )
        model = get_user_model()
        # The user's organisation comes with them: every page shows its name and scopes by it.
        users = model._default_manager.select_related("organisation").annotate(
            **{USER_DEVICE_ATTR: Subquery(device)}
        )
        try:
            user = users.get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
