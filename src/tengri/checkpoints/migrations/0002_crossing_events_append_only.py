"""Crossing events never change once stored: UPDATE is refused by the database too. DELETE stays
possible for retention, which removes whole events after their retention period (as the EES does)."""

from django.db import migrations

TRIGGERS = {
    "sqlite": [
        """CREATE TRIGGER checkpoints_crossingevent_no_update BEFORE UPDATE ON checkpoints_crossingevent
        BEGIN SELECT RAISE(ABORT, 'crossing events are append-only: UPDATE refused'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION checkpoints_crossingevent_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING
                ERRCODE = 'restrict_violation',
                MESSAGE = 'crossing events are append-only: UPDATE refused';
        END $$""",
        """CREATE TRIGGER checkpoints_crossingevent_append_only BEFORE UPDATE ON checkpoints_crossingevent
        FOR EACH ROW EXECUTE FUNCTION checkpoints_crossingevent_refuse_update()""",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS checkpoints_crossingevent_no_update"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS checkpoints_crossingevent_append_only ON checkpoints_crossingevent",
        "DROP FUNCTION IF EXISTS checkpoints_crossingevent_refuse_update()",
    ],
}


def _run(schema_editor, statements_by_vendor):
    vendor = schema_editor.connection.vendor
    if vendor not in statements_by_vendor:
        raise NotImplementedError(f"no append-only trigger for {vendor}: add it to this migration")
    for statement in statements_by_vendor[vendor]:
        schema_editor.execute(statement)


def create_trigger(apps, schema_editor):
    _run(schema_editor, TRIGGERS)


def drop_trigger(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
