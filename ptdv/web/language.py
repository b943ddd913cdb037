"""The interface's language: Vietnamese, unless the user chose English in the layout's form.

Django's ``LocaleMiddleware`` takes the language from the cookie and, without one, from the
browser's ``Accept-Language``: a browser set to English would get the whole interface in English
although its user never asked. Here the browser's header is not read. The only choice is the
user's own: the layout's language form posts to Django's ``set_language`` view, which sets the
``LANGUAGE_COOKIE_NAME`` cookie; a cookie naming no language of ``LANGUAGES`` is ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def chosen_language(request) -> str:
    """The language the user chose (the language cookie), else the site's, ``LANGUAGE_CODE``."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """In place of ``LocaleMiddleware`` (no ``i18n_patterns`` here, so nothing of its path
    handling is lost). The response varies on the cookie, not on ``Accept-Language``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
