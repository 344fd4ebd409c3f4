"""The rules of the conventions per territory (AgreementRules, overridable per agreement)
and the document templates per territory (a territory FK, versions per territory and
kind). 0004 moves the existing data; 0005 makes the template's territory required."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_default_templates'),
        ('territory', '0002_territory_library_card_pattern'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AgreementRules',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term_months', models.PositiveSmallIntegerField(default=12, help_text='La durée de la convention, puis de chaque reconduction (12 : un an).', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='durée (mois)')),
                ('max_renewals', models.PositiveSmallIntegerField(default=0, help_text="0 : la convention n'est pas reconductible.", validators=[django.core.validators.MaxValueValidator(10)], verbose_name='nombre de reconductions')),
                ('notice_months', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MaxValueValidator(24)], verbose_name='préavis de résiliation (mois)')),
                ('default_start_date', models.DateField(blank=True, help_text='Proposé pour une nouvelle convention. Vide : le 1er du mois prochain.', null=True, verbose_name='premier jour proposé')),
                ('cap_date', models.DateField(blank=True, help_text='Jamais au-delà de ce jour (par exemple la fin des postes de conseillers).', null=True, verbose_name='limite absolue (date)')),
                ('cap_months', models.PositiveSmallIntegerField(blank=True, help_text='Ou bien un nombre de mois à partir du premier jour. Vide (et pas de date) : la fin de la dernière reconduction possible.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='limite absolue (mois après le début)')),
                ('cap_deliberation_body', models.CharField(choices=[('municipal', 'Conseil municipal'), ('community', 'Conseil communautaire')], default='community', max_length=16, verbose_name='assemblée qui fixe la limite')),
                ('cap_deliberation_number', models.CharField(blank=True, max_length=50, verbose_name='numéro de cette délibération')),
                ('cap_deliberation_date', models.DateField(blank=True, null=True, verbose_name='date de cette délibération')),
                ('cap_deliberation_subject', models.CharField(blank=True, max_length=300, verbose_name='objet de cette délibération')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
            ],
            options={
                'verbose_name': 'règles des conventions',
                'verbose_name_plural': 'règles des conventions',
            },
        ),
        migrations.AlterModelOptions(
            name='agreementtemplate',
            options={'ordering': ['territory', 'kind', '-version'], 'verbose_name': 'modèle de document', 'verbose_name_plural': 'modèles de document'},
        ),
        migrations.RemoveConstraint(
            model_name='agreementtemplate',
            name='agreement_template_version',
        ),
        migrations.RemoveConstraint(
            model_name='renewal',
            name='renewal_at_most_two',
        ),
        migrations.AddField(
            model_name='agreement',
            name='max_renewals',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Vide : la règle du territoire.', null=True, validators=[django.core.validators.MaxValueValidator(10)], verbose_name='nombre de reconductions'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='notice_months',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Vide : la règle du territoire.', null=True, validators=[django.core.validators.MaxValueValidator(24)], verbose_name='préavis de résiliation (mois)'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='term_months',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Vide : la règle du territoire.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(120)], verbose_name='durée (mois)'),
        ),
        migrations.AddField(
            model_name='agreementtemplate',
            name='territory',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='agreement_templates', to='territory.territory', verbose_name='communauté de communes'),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='cap_date',
            field=models.DateField(help_text='Jamais au-delà (par défaut, la règle du territoire).', verbose_name='limite absolue'),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='start_date',
            field=models.DateField(help_text='Le premier jour de la convention.', verbose_name='début'),
        ),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.CheckConstraint(condition=models.Q(('term_months__isnull', True), ('term_months__gte', 1), _connector='OR'), name='agreement_term_positive'),
        ),
        migrations.AddConstraint(
            model_name='agreementtemplate',
            constraint=models.UniqueConstraint(fields=('territory', 'kind', 'version'), name='agreement_template_version'),
        ),
        migrations.AddConstraint(
            model_name='renewal',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='renewal_number_positive'),
        ),
        migrations.AddField(
            model_name='agreementrules',
            name='territory',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='agreement_rules', to='territory.territory', verbose_name='communauté de communes'),
        ),
        migrations.AddConstraint(
            model_name='agreementrules',
            constraint=models.CheckConstraint(condition=models.Q(('cap_date__isnull', True), ('cap_months__isnull', True), _connector='OR'), name='agreement_rules_one_kind_of_cap', violation_error_message='Une limite en date ou en mois, pas les deux.'),
        ),
        migrations.AddConstraint(
            model_name='agreementrules',
            constraint=models.CheckConstraint(condition=models.Q(('term_months__gte', 1)), name='agreement_rules_term'),
        ),
    ]
