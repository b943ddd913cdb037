"""What the views share: a page or its htmx partial, the write check, and one form view.

- :func:`render_page_or_partial`: the partial for an htmx request, the whole page otherwise (and
  for htmx's history restore, which needs the whole page); the response always says it varies
  with ``HX-Request``, so a browser never shows a partial where the page was asked for.
- :func:`get_writable` / :func:`require_writer`: an object fetched through the one scope
  (:func:`~ptdv.org.scope.get_visible_or_404`: outsiders get 404 whether it exists or not),
  then the write check: users who may see it but not write (read-only roles) get 403. The check
  is ``User.can_write`` unless a view passes its own predicate (the mentor of an assignment,
  the roles that may merge…).
- :class:`FormPageView`: one GET/POST handler for a form that writes through a service — the
  object loaded and checked, the form built, saved in one transaction, a refusal of the service
  shown on the form with what was typed kept, then a message and a redirect (``HX-Redirect``
  for htmx). Views subclass it and fill in hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from ptdv.org.scope import get_visible_or_404
from ptdv.pipeline.services import StepRefused

# --- a page or its htmx partial -------------------------------------------------------------


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps a part of the page (not a history restore, which needs the
    whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    *,
    use_partial: bool | None = None,
) -> HttpResponse:
    """``partial`` for an htmx request, ``page`` otherwise, with ``Vary: HX-Request``.

    ``use_partial`` overrides the choice (:func:`wants_partial` by default) where a view knows
    more, e.g. a POST answered in place or a page that has no partial for some objects.
    """
    if use_partial is None:
        use_partial = wants_partial(request)
    response = render(request, partial if use_partial else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- may this user write here ---------------------------------------------------------------

#: Whether ``user`` may write on ``obj`` (``None`` for a page that creates something).
WritePredicate = Callable[[Any, Any], bool]


def can_write(user: Any, obj: Any = None) -> bool:
    """The default write check: a writer role (``User.can_write``)."""
    return bool(getattr(user, "can_write", False))


def require_writer(user: Any, obj: Any = None, *, may_write: WritePredicate | None = None):
    """403 unless ``user`` may write (on ``obj``, when there is one)."""
    if not (may_write or can_write)(user, obj):
        raise PermissionDenied


def get_writable(
    queryset: models.QuerySet | type[models.Model],
    user: Any,
    *,
    may_write: WritePredicate | None = None,
    **lookup,
):
    """The object if ``user`` may see it (404 otherwise, as for a missing one) and write on it
    (403 otherwise)."""
    obj = get_visible_or_404(queryset, user, **lookup)
    require_writer(user, obj, may_write=may_write)
    return obj


# --- one form page --------------------------------------------------------------------------


def refusal_lines(exc: Exception) -> list[str]:
    """A service's refusal as lines to show: each finding with its citation, else its
    messages (``StepRefused``, ``members.services.Refused``, ``PersonRefused``…)."""
    findings = getattr(exc, "findings", None)
    if findings:
        return [f"{f.message} — {f.citation}" for f in findings]
    messages_ = getattr(exc, "messages", None)
    if messages_ is not None:
        return [str(m) for m in messages_]
    return [str(exc)]


class FormPageView(View):
    """A form that writes: GET shows it, POST validates, saves and redirects.

    Hooks, in the order they run:

    - :meth:`get_object` (with :attr:`queryset` and :attr:`may_write`): the object, 404 / 403;
      ``None`` for a page that creates something (then only the write check);
    - :meth:`respond_without_form`: a response that replaces the form (a page to choose from,
      "nothing to do"), or ``None``;
    - :meth:`get_form_class`, :meth:`get_form_kwargs`, :meth:`get_initial` (GET only);
    - on POST with a valid form: an alternative action named in :attr:`alternative_actions`
      (a button's ``name``) calls ``action_<name>(form)``, whose dict is added to the context of
      the form rendered again, nothing saved (a dry run);
    - otherwise :meth:`save` inside ``transaction.atomic()``; an exception of :attr:`refused`
      rolls back everything and goes to :meth:`on_refused` (the service's messages as the
      form's non-field errors by default), and the form is rendered again;
    - after saving, :meth:`get_success_message` (a success message when not empty) and
      :meth:`get_success_url`: a redirect, ``HX-Redirect`` for htmx;
    - rendering: ``{"form": form}`` with :meth:`get_extra_context`, :attr:`template_name`
      for the page and :attr:`partial_template_name` for htmx (:func:`render_page_or_partial`);
      without a partial, the page alone.
    """

    form_class: type[forms.BaseForm] | None = None
    template_name: str = ""
    partial_template_name: str | None = None
    #: Loads the object with ``pk`` from the URL; ``None``: the page has no object.
    queryset: models.QuerySet | None = None
    pk_url_kwarg = "pk"
    #: The write check on the object (``User.can_write`` by default): a function
    #: ``(user, obj) -> bool`` set on the class (``may_write = staticmethod(may_file)``).
    may_write: WritePredicate | None = None
    #: Exceptions of :meth:`save` that are refusals to show on the form.
    refused: tuple[type[BaseException], ...] = (StepRefused,)
    #: Names of POST buttons that do something else than saving (e.g. ``("check",)``).
    alternative_actions: Iterable[str] = ()

    object: Any = None

    # -- dispatching ---------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.object = self.get_object()
        early = self.respond_without_form()
        if early is not None:
            return early
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        for name in self.alternative_actions:
            if name in request.POST:
                extra = getattr(self, f"action_{name}")(form)
                return self.render_form(form, **extra)
        return self.form_valid(form)

    # -- the object ------------------------------------------------------------------------

    def get_queryset(self) -> models.QuerySet | None:
        return self.queryset.all() if self.queryset is not None else None

    def get_object(self) -> Any:
        """The object, through the scope: 404 when not visible, 403 when not writable."""
        user = self.request.user
        queryset = self.get_queryset()
        may_write = type(self).may_write  # a plain function, not a method
        if queryset is None:
            require_writer(user, may_write=may_write)
            return None
        return get_writable(queryset, user, may_write=may_write, pk=self.kwargs[self.pk_url_kwarg])

    def respond_without_form(self) -> HttpResponse | None:
        return None

    # -- the form --------------------------------------------------------------------------

    def get_form_class(self) -> type[forms.BaseForm]:
        assert self.form_class is not None, f"{type(self).__name__} needs a form_class"
        return self.form_class

    def get_initial(self) -> dict[str, Any]:
        return {}

    def get_form_kwargs(self) -> dict[str, Any]:
        """``data`` / ``files`` on POST; on GET ``initial`` when :meth:`get_initial` gives any
        (else the form's own initial values stand); ``instance`` for a model form that edits
        the object."""
        kwargs: dict[str, Any] = {}
        if self.request.method == "POST":
            kwargs |= {"data": self.request.POST, "files": self.request.FILES}
        elif initial := self.get_initial():
            kwargs["initial"] = initial
        if self.object is not None and issubclass(self.get_form_class(), forms.BaseModelForm):
            kwargs["instance"] = self.object
        return kwargs

    def get_form(self) -> forms.BaseForm:
        return self.get_form_class()(**self.get_form_kwargs())

    # -- saving ----------------------------------------------------------------------------

    def save(self, form: forms.BaseForm) -> Any:
        """Write (inside a transaction); the result is passed to the success hooks."""
        return form.save()  # type: ignore[attr-defined]

    def form_valid(self, form: forms.BaseForm) -> HttpResponse:
        try:
            with transaction.atomic():
                result = self.save(form)
        except self.refused as exc:
            self.on_refused(form, exc)
            return self.form_invalid(form)
        return self.on_success(form, result)

    def form_invalid(self, form: forms.BaseForm) -> HttpResponse:
        return self.render_form(form)

    def on_refused(self, form: forms.BaseForm, exc: BaseException) -> None:
        """Show the refusal on the form (nothing was written). Re-raise to give up."""
        for line in refusal_lines(exc):  # type: ignore[arg-type]
            form.add_error(None, line)

    def get_success_message(self, form: forms.BaseForm, result: Any) -> str:
        return ""

    def get_success_url(self, form: forms.BaseForm, result: Any) -> str:
        raise NotImplementedError

    def on_success(self, form: forms.BaseForm, result: Any) -> HttpResponse:
        message = self.get_success_message(form, result)
        if message:
            messages.success(self.request, message)
        url = self.get_success_url(form, result)
        if getattr(self.request, "htmx", None):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    # -- rendering -------------------------------------------------------------------------

    def get_extra_context(self, form: forms.BaseForm) -> dict[str, Any]:
        return {}

    def render_form(self, form: forms.BaseForm, **extra: Any) -> HttpResponse:
        context = {"form": form, **self.get_extra_context(form), **extra}
        if self.partial_template_name is None:
            return render(self.request, self.template_name, context)
        return render_page_or_partial(
            self.request, self.template_name, self.partial_template_name, context
        )


# --- keyset pages ------------------------------------------------------------------------------


@dataclass
class KeysetPage:
    """One page of rows found by its neighbours' ids rather than its number (the list, the audit
    log: ``web/_pagination.html`` draws cursor links for it). ``count`` is the total when known:
    exact, or a bound with ``more_than``."""

    object_list: list[Any] = field(default_factory=list)
    count: int = 0
    more_than: bool = False
    has_previous: bool = False
    has_next: bool = False
    keyset: bool = True

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def next_after(self) -> int | None:
        return self.object_list[-1].pk if self.object_list else None

    @property
    def previous_before(self) -> int | None:
        return self.object_list[0].pk if self.object_list else None


def cursor_param(request, name: str) -> int | None:
    """A page's cursor (a row id) from the query string; anything else is no cursor."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None
