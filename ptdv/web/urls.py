from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ho-so/<int:pk>/", views.candidacy_detail, name="candidacy"),
    path("nhat-ky/", views.audit_log, name="audit"),
]
