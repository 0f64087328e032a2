"""A cast ballot is never changed: the database itself refuses an UPDATE of a ballot row
(PostgreSQL and SQLite triggers), beneath the service that only ever inserts."""

from django.db import migrations

# One statement per string: drivers run them one at a time.
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION community_ballot_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a cast ballot cannot be changed' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER community_ballot_no_update BEFORE UPDATE ON community_ballot
    FOR EACH ROW EXECUTE FUNCTION community_ballot_immutable()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS community_ballot_no_update ON community_ballot",
    "DROP FUNCTION IF EXISTS community_ballot_immutable()",
]
SQLITE_UP = [
    """CREATE TRIGGER community_ballot_no_update BEFORE UPDATE ON community_ballot
BEGIN SELECT RAISE(ABORT, 'a cast ballot cannot be changed'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS community_ballot_no_update"]


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        for sql in sql_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("community", "0002_votes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
