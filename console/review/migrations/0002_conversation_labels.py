"""Conversations get a keyed label (review/labels.py) and the audit log names
them by it instead of their id.

The summary index is derived data: it is emptied here and rebuilt from Rasa's
events with the labels on the next update (console/serve.py runs one before
serving). Audit entries written before this migration are rewritten to the
label of the id they name; an id cannot be recovered from a label, so going
back leaves the labels in place.
"""

from django.db import migrations, models


def empty_the_index(apps, schema_editor) -> None:
    for name in ("ConversationSummary", "MessageSummary", "IndexState"):
        apps.get_model("review", name).objects.all().delete()


def label_the_audit_log(apps, schema_editor) -> None:
    from review.labels import is_label, label

    entries = apps.get_model("review", "AuditEntry").objects
    for entry in entries.exclude(conversation="").iterator():
        if not is_label(entry.conversation):
            entry.conversation = label(entry.conversation)
            entry.save(update_fields=["conversation"])
    for entry in entries.filter(action="export").iterator():
        if "ids" in entry.detail:
            entry.detail["labels"] = [label(sender) for sender in entry.detail.pop("ids")]
            entry.save(update_fields=["detail"])


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(empty_the_index, migrations.RunPython.noop),
        migrations.AddField(
            model_name="conversationsummary",
            name="label",
            field=models.CharField(default="", max_length=64, unique=True),
            preserve_default=False,
        ),
        migrations.RunPython(label_the_audit_log, migrations.RunPython.noop),
    ]
