"""The views' shared toolkit: a page or its htmx partial, the write check, the form view."""

from __future__ import annotations

from unittest import mock

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from ptdv.pipeline.services import StepRefused
from ptdv.reports.models import Target
from ptdv.web import toolkit
from ptdv.web.toolkit import (
    FormPageView,
    get_writable,
    render_page_or_partial,
    require_writer,
)
from tests.base import WorldTestCase

HX = {"HTTP_HX_REQUEST": "true"}


def request_for(user, method: str = "get", data=None, **headers):
    request = getattr(RequestFactory(), method)("/x/", data or {}, **headers)
    request.user = user
    request.htmx = HtmxDetails(request)
    request._messages = CookieStorage(request)
    return request


def fake_render(request, template, context=None, *args, **kwargs):
    response = HttpResponse(template)
    response.template = template
    response.context = context
    return response


class PageOrPartialTests(WorldTestCase):
    def rendered(self, request, **kwargs):
        with mock.patch.object(toolkit, "render", fake_render):
            return render_page_or_partial(request, "page.html", "_partial.html", {}, **kwargs)

    def test_the_page_and_the_partial_both_vary_with_htmx(self):
        page = self.rendered(request_for(self.u.cell))
        partial = self.rendered(request_for(self.u.cell, **HX))
        self.assertEqual((page.template, partial.template), ("page.html", "_partial.html"))
        for response in (page, partial):
            self.assertIn("HX-Request", response["Vary"])

    def test_a_history_restore_gets_the_page(self):
        request = request_for(self.u.cell, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
        response = self.rendered(request)
        self.assertEqual(response.template, "page.html")
        self.assertIn("HX-Request", response["Vary"])

    def test_the_view_may_decide(self):
        self.assertEqual(self.rendered(request_for(self.u.cell), use_partial=True).template,
                         "_partial.html")  # fmt: skip
        response = self.rendered(request_for(self.u.cell, **HX), use_partial=False)
        self.assertEqual(response.template, "page.html")
        self.assertIn("HX-Request", response["Vary"])


class WritableTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.target = Target.objects.create(
            organisation=cls.o.A1, first_year=2026, last_year=2026, admissions=3
        )

    def test_outsiders_get_404_readers_403_writers_the_object(self):
        with self.assertRaises(Http404):
            get_writable(Target, self.u.outsider, pk=self.target.pk)
        with self.assertRaises(Http404):  # missing looks the same
            get_writable(Target, self.u.cell, pk=99999)
        with self.assertRaises(PermissionDenied):
            get_writable(Target, self.u.viewer, pk=self.target.pk)
        for user in (self.u.cell, self.u.committee, self.u.admin):
            self.assertEqual(get_writable(Target.objects.all(), user, pk=self.target.pk),
                             self.target)  # fmt: skip

    def test_a_view_may_give_its_own_predicate(self):
        def only_the_committee(user, obj):
            return user == self.u.committee and obj == self.target

        self.assertEqual(
            get_writable(Target, self.u.committee, pk=self.target.pk, may_write=only_the_committee),
            self.target,
        )
        with self.assertRaises(PermissionDenied):
            get_writable(Target, self.u.cell, pk=self.target.pk, may_write=only_the_committee)
        with self.assertRaises(Http404):  # the scope comes first
            get_writable(Target, self.u.outsider, pk=self.target.pk, may_write=lambda u, o: True)

    def test_without_an_object_only_the_role(self):
        require_writer(self.u.cell)
        with self.assertRaises(PermissionDenied):
            require_writer(self.u.viewer)


class YearForm(forms.Form):
    year = forms.IntegerField()


class TargetYearView(FormPageView):
    """A test view: creates a second target beside the one in the URL, then maybe refuses."""

    form_class = YearForm
    template_name = "page.html"
    partial_template_name = "_partial.html"
    queryset = Target.objects.all()
    alternative_actions = ("check",)
    refuse_with: Exception | None = None

    def get_initial(self):
        return {"year": self.object.first_year}

    def save(self, form):
        year = form.cleaned_data["year"]
        created = Target.objects.create(
            organisation=self.object.organisation, first_year=year, last_year=year, admissions=1
        )
        if self.refuse_with is not None:
            raise self.refuse_with
        return created

    def action_check(self, form):
        return {"preview": f"would register {form.cleaned_data['year']}"}

    def get_success_message(self, form, created):
        return f"registered {created.first_year}"

    def get_success_url(self, form, created):
        return f"/done/{created.pk}/"

    def get_extra_context(self, form):
        return {"target": self.object}


class FormPageViewTests(WorldTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.target = Target.objects.create(
            organisation=cls.o.A1, first_year=2026, last_year=2026, admissions=3
        )

    def call(self, user, method="get", data=None, view=TargetYearView, **headers):
        request = request_for(user, method, data, **headers)
        with mock.patch.object(toolkit, "render", fake_render):
            response = view.as_view()(request, pk=self.target.pk)
        return request, response

    def test_get_renders_the_form_with_its_initial_values(self):
        _, page = self.call(self.u.cell)
        self.assertEqual(page.template, "page.html")
        self.assertEqual(page.context["form"]["year"].value(), 2026)
        self.assertEqual(page.context["target"], self.target)
        self.assertIn("HX-Request", page["Vary"])
        _, partial = self.call(self.u.cell, **HX)
        self.assertEqual(partial.template, "_partial.html")
        self.assertIn("HX-Request", partial["Vary"])

    def test_outsider_404_reader_403(self):
        with self.assertRaises(Http404):
            self.call(self.u.outsider)
        with self.assertRaises(Http404):
            self.call(self.u.outsider, "post", {"year": "2027"})
        with self.assertRaises(PermissionDenied):
            self.call(self.u.viewer)
        with self.assertRaises(PermissionDenied):
            self.call(self.u.viewer, "post", {"year": "2027"})
        self.assertEqual(Target.objects.count(), 1)

    def test_a_valid_post_saves_tells_and_redirects(self):
        request, response = self.call(self.u.cell, "post", {"year": "2027"})
        created = Target.objects.get(first_year=2027)
        self.assertEqual((response.status_code, response.url), (302, f"/done/{created.pk}/"))
        self.assertEqual([str(m) for m in get_messages(request)], ["registered 2027"])

    def test_htmx_is_sent_to_the_page_by_hx_redirect(self):
        _, response = self.call(self.u.cell, "post", {"year": "2027"}, **HX)
        created = Target.objects.get(first_year=2027)
        self.assertEqual(response["HX-Redirect"], f"/done/{created.pk}/")

    def test_an_invalid_form_comes_back(self):
        _, response = self.call(self.u.cell, "post", {"year": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("year", response.context["form"].errors)

    def test_a_refusal_is_shown_on_the_form_and_nothing_is_kept(self):
        class Refusing(TargetYearView):
            refuse_with = StepRefused(["Chưa đủ điều kiện.", "Thiếu giấy tờ."])

        request, response = self.call(self.u.cell, "post", {"year": "2027"}, view=Refusing, **HX)
        self.assertEqual(response.template, "_partial.html")
        self.assertIn("HX-Request", response["Vary"])
        form = response.context["form"]
        self.assertEqual(form.non_field_errors(), ["Chưa đủ điều kiện.", "Thiếu giấy tờ."])
        self.assertEqual(form["year"].value(), "2027")  # what was typed is kept
        # The target created before the refusal was rolled back with it.
        self.assertFalse(Target.objects.filter(first_year=2027).exists())
        self.assertEqual(list(get_messages(request)), [])

    def test_another_exception_rolls_back_and_propagates(self):
        class Failing(TargetYearView):
            refuse_with = RuntimeError("boom")

        with self.assertRaises(RuntimeError):
            self.call(self.u.cell, "post", {"year": "2027"}, view=Failing)
        self.assertFalse(Target.objects.filter(first_year=2027).exists())

    def test_an_alternative_action_renders_its_result_and_saves_nothing(self):
        _, response = self.call(self.u.cell, "post", {"year": "2027", "check": ""}, **HX)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["preview"], "would register 2027")
        self.assertFalse(Target.objects.filter(first_year=2027).exists())

    def test_a_view_without_an_object_checks_the_role(self):
        class Creating(TargetYearView):
            queryset = None

            def get_initial(self):
                return {}

            def get_extra_context(self, form):
                return {}

        _, response = self.call(self.u.cell, view=Creating)
        self.assertEqual(response.status_code, 200)
        with self.assertRaises(PermissionDenied):
            self.call(self.u.viewer, view=Creating)

    def test_other_methods_are_refused(self):
        _, response = self.call(self.u.cell, "put")
        self.assertEqual(response.status_code, 405)

    def test_a_view_may_give_its_own_write_check(self):
        committee = self.u.committee

        class CommitteeOnly(TargetYearView):
            may_write = staticmethod(lambda user, obj: user == committee and obj is not None)

        _, response = self.call(committee, view=CommitteeOnly)
        self.assertEqual(response.status_code, 200)
        with self.assertRaises(PermissionDenied):  # a writer, but not this object's
            self.call(self.u.cell, view=CommitteeOnly)
        with self.assertRaises(Http404):  # the scope first
            self.call(self.u.outsider, view=CommitteeOnly)
