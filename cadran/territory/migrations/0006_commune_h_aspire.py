from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0005_siret_and_coordinates"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="h_aspire",
            field=models.BooleanField(
                default=False,
                help_text="Cochez si l'on écrit « de Hautbourg » et non « d'Hautbourg » : Cadran "
                "élide sinon « de » devant une voyelle ou un h (« d'Arbourg », « d'Hermonville »).",
                verbose_name="nom commençant par un h aspiré",
            ),
        ),
    ]
