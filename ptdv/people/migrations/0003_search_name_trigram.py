"""A trigram index on Person.search_name, on PostgreSQL only.

The search matches word beginnings anywhere in the folded name (``LIKE '% word%'``), which a
B-tree index cannot answer; PostgreSQL's pg_trgm GIN index can. SQLite has no such index: there
the search scans the (scoped) rows.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_person_search_trgm "
    "ON people_person USING gin (search_name gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS people_person_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_sort_key")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
