"""Version 1 of the document templates, read from the app's files (document_templates/)."""

from pathlib import Path

from django.db import migrations

FILES = {
    "agreement": ("convention.html", "Convention de partenariat (modèle d'Estaires 2024)"),
    "amendment": ("avenant.html", "Avenant à la convention"),
}
DIR = Path(__file__).resolve().parent.parent / "document_templates"


def load(apps, schema_editor):
    AgreementTemplate = apps.get_model("agreements", "AgreementTemplate")
    for kind, (filename, name) in FILES.items():
        AgreementTemplate.objects.get_or_create(
            kind=kind,
            version=1,
            defaults={"name": name, "body": (DIR / filename).read_text(encoding="utf-8")},
        )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
