"""The API's routes, under /api/ (ptdv/urls.py)."""

urlpatterns: list = []
