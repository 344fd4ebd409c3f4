"""Existing territories keep the circuit and minimum they had when both were written in the
code (docs/decisions/0011-workshop-circuit.md): Service Culture → COTECH Esperluette →
Commission Culture, and 4 registrations at least. From now on these are data: each
territory's Service Culture changes them in the administration.

- each territory without steps gets those three steps, and a minimum of 4
  (``WorkshopSettings``);
- each step already taken keeps the name of its instance (``step_name``, from the old
  ``body`` code) and its rank in the circuit;
- a proposed workshop (proposed in COTECH) waits for the Commission Culture (rank 3);
- a format whose minimum was 4 follows the territory's minimum (the same 4).

Going back restores the codes and the formats' minimum; the steps and settings are removed.
"""

from django.db import migrations

CIRCUIT = ["Service Culture", "COTECH Esperluette", "Commission Culture"]
MIN_ATTENDANCE = 4
# The old ``WorkshopReview.body`` codes → (name, rank in the circuit; none for the service's
# own acts: publishing, archiving).
BODIES = {
    "cotech": ("COTECH Esperluette", 2),
    "commission_culture": ("Commission Culture", 3),
    "service_culture": ("Service Culture", None),
}


def forwards(apps, schema_editor):
    Territory = apps.get_model("territory", "Territory")
    ReviewStep = apps.get_model("workshops", "ReviewStep")
    WorkshopSettings = apps.get_model("workshops", "WorkshopSettings")
    WorkshopFormat = apps.get_model("workshops", "WorkshopFormat")
    Workshop = apps.get_model("workshops", "Workshop")
    WorkshopReview = apps.get_model("workshops", "WorkshopReview")
    for territory in Territory.objects.all():
        if not ReviewStep.objects.filter(territory=territory).exists():
            ReviewStep.objects.bulk_create(
                ReviewStep(territory=territory, position=i, name=name)
                for i, name in enumerate(CIRCUIT, start=1)
            )
        WorkshopSettings.objects.get_or_create(
            territory=territory, defaults={"default_min_attendance": MIN_ATTENDANCE}
        )
    WorkshopFormat.objects.filter(min_attendance=MIN_ATTENDANCE).update(min_attendance=None)
    for body, (name, position) in BODIES.items():
        WorkshopReview.objects.filter(body=body).update(step_name=name, step_position=position)
    Workshop.objects.filter(status="proposed").update(review_position=3)


def backwards(apps, schema_editor):
    ReviewStep = apps.get_model("workshops", "ReviewStep")
    WorkshopSettings = apps.get_model("workshops", "WorkshopSettings")
    WorkshopFormat = apps.get_model("workshops", "WorkshopFormat")
    WorkshopReview = apps.get_model("workshops", "WorkshopReview")
    for body, (name, _position) in BODIES.items():
        WorkshopReview.objects.filter(step_name=name, body="").update(body=body)
    WorkshopReview.objects.filter(body="").update(body="service_culture")
    WorkshopFormat.objects.filter(min_attendance__isnull=True).update(
        min_attendance=MIN_ATTENDANCE
    )
    ReviewStep.objects.all().delete()
    WorkshopSettings.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0003_venuechange"),
        ("workshops", "0002_circuit_and_minimum"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
