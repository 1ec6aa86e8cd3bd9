"""Sign-in throttling instead of the lock-out, and repeats in the audit log.

The old attempts table held usernames as typed, sometimes passwords typed into
the wrong field: it is dropped, not converted (its rows mattered for 15
minutes). Failed sign-ins in the audit log that name no account get the actor
"unknown", for the same reason.
"""

import django.utils.timezone
from django.db import migrations, models

FAILURES = ("login_failed", "login_locked", "lockout")


def forget_typed_names(apps, schema_editor):
    AuditEntry = apps.get_model("review", "AuditEntry")
    User = apps.get_model("review", "User")
    accounts = set(User.objects.values_list("username", flat=True))
    typed = (AuditEntry.objects.filter(action__in=FAILURES).exclude(actor__in=accounts)
             .exclude(actor="unknown"))
    typed.update(actor="unknown")


class Migration(migrations.Migration):

    dependencies = [
        ("review", "0002_conversation_labels"),
    ]

    operations = [
        migrations.DeleteModel(name="LoginAttempt"),
        migrations.CreateModel(
            name="LoginAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("account", models.CharField(max_length=64)),
                ("ip", models.CharField(max_length=45)),
                ("succeeded", models.BooleanField(default=False)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["account", "ip", "at"], name="attempt_account_ip_at"),
                    models.Index(fields=["ip", "at"], name="attempt_ip_at"),
                ],
            },
        ),
        migrations.AddField(
            model_name="auditentry",
            name="count",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="last_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(forget_typed_names, migrations.RunPython.noop),
    ]
