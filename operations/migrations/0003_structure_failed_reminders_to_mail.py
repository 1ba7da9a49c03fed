"""Existing failed pool reminders become failed mail deliveries, so the one failed-mail page lists them."""

from django.db import migrations


def forwards(apps, schema_editor):
    Reminder = apps.get_model("pools", "Reminder")
    MailDelivery = apps.get_model("operations", "MailDelivery")
    rows = []
    for reminder in Reminder.objects.filter(status="failed").select_related("saver").iterator(chunk_size=1000):
        rows.append(
            MailDelivery(
                key=f"reminder:{reminder.pk}",
                kind="pool_reminder",
                args={"reminder_id": reminder.pk},
                to=(reminder.saver.email if reminder.saver_id else reminder.email)[:254],
                status="failed",
                attempts=reminder.attempts,
                next_attempt_at=reminder.send_after,
                claimed_at=reminder.claimed_at,
                last_error=reminder.last_error,
            )
        )
    MailDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def backwards(apps, schema_editor):
    MailDelivery = apps.get_model("operations", "MailDelivery")
    MailDelivery.objects.filter(kind="pool_reminder", status="failed").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0002_structure_mail_delivery"),
        ("pools", "0010_merge_20261206_0456"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
