"""The data of 0003 (docs/decisions/0010-agreement-rules.md).

Rules: until now every territory's conventions followed the rules written in the code (one
year, renewable twice, three months' notice). So each existing agreement keeps them (they
become its own fields), and each territory that already has an agreement gets them as its
``AgreementRules``, with the start and limit of its latest agreement as defaults (for the
CCFL: 01/09/2024 and 31/08/2027). A territory without any agreement gets no row: it has
the neutral rules until its Service Culture sets its own (that is the case the old
constants got wrong: a new territory's first convention took the CCFL's dates).

Templates: the single shared version(s) become the templates of the territories that used
them (a copy for each, same version number, the agreements and amendments moved to their
own territory's copy); a template nobody used is deleted (a territory without a template
starts from the neutral text of the code).
"""

from django.db import migrations

LEGACY = {"term_months": 12, "max_renewals": 2, "notice_months": 3}


def forwards(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    AgreementRules = apps.get_model("agreements", "AgreementRules")
    AgreementTemplate = apps.get_model("agreements", "AgreementTemplate")
    Amendment = apps.get_model("agreements", "Amendment")

    territory_ids = sorted(set(Agreement.objects.values_list("territory_id", flat=True)))
    for territory_id in territory_ids:
        latest = (
            Agreement.objects.filter(territory_id=territory_id)
            .order_by("-created_at", "-pk")
            .first()
        )
        AgreementRules.objects.get_or_create(
            territory_id=territory_id,
            defaults={
                **LEGACY,
                "default_start_date": latest.start_date,
                "cap_date": latest.cap_date,
            },
        )
    for name, value in LEGACY.items():
        Agreement.objects.filter(**{f"{name}__isnull": True}).update(**{name: value})

    for template in AgreementTemplate.objects.filter(territory__isnull=True).order_by("pk"):
        users = set(
            Agreement.objects.filter(template=template).values_list("territory_id", flat=True)
        ) | set(
            Amendment.objects.filter(template=template).values_list(
                "agreement__territory_id", flat=True
            )
        )
        if not users:
            template.delete()
            continue
        first, *others = sorted(users)
        template.territory_id = first
        template.save(update_fields=["territory"])
        for territory_id in others:
            copy = AgreementTemplate.objects.create(
                territory_id=territory_id,
                kind=template.kind,
                version=template.version,
                name=template.name,
                body=template.body,
                notes=template.notes,
                created_by_id=template.created_by_id,
            )
            Agreement.objects.filter(template=template, territory_id=territory_id).update(
                template=copy
            )
            Amendment.objects.filter(
                template=template, agreement__territory_id=territory_id
            ).update(template=copy)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_rules_and_templates_per_territory")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
