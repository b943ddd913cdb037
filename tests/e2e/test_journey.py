"""The journey through the step forms: source → probationary → official → party card.

Left for the lead to write once the step forms (``/ho-so/<pk>/ghi-buoc/``) exist. The plan:
sign in as the demo cell secretary (``login(page, demo.cell_user, demo.password)``), open a new
candidacy of a person of the cell (add rows; never change what ``demo`` points at, other tests
read it), record each step through the forms in the browser with the dates and papers the rules
need, check the candidacy page's stage after each step, then the party card; ``shot()`` the step
form for docs/screens.md. The fixtures (``page``, ``demo``, ``server``) and helpers are in
conftest.py; ORM calls from the test thread are allowed there (DJANGO_ALLOW_ASYNC_UNSAFE).
"""
