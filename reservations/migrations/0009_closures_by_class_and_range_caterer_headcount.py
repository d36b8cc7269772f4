"""Closures by class or group over a date range (existing closures last one day), a diet per
beneficiary for the headcount, and the caterer's automatic headcount: its addresses per service
and the snapshots frozen at each day's booking deadline."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models




def one_day_closures(apps, schema_editor):
    Closure = apps.get_model("reservations", "Closure")
    Closure.objects.filter(end_date__isnull=True).update(end_date=models.F("date"))


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0032_category_exclude_from_menu_category_long_description'),
        ('reservations', '0008_one_tariff_row_per_bracket_on_sqlite'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CatererRecipient',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, verbose_name='adresse e-mail')),
                ('label', models.CharField(blank=True, help_text='Par exemple « Cuisine centrale » ou « Prestataire ».', max_length=100, verbose_name='destinataire')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='ajouté le')),
            ],
            options={
                'verbose_name': "destinataire de l'effectif",
                'verbose_name_plural': "destinataires de l'effectif",
                'ordering': ['service_id', 'email', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='HeadcountSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='jour')),
                ('deadline', models.DateTimeField(verbose_name='date limite de réservation')),
                ('frozen_at', models.DateTimeField(verbose_name='figé le')),
                ('total', models.PositiveIntegerField(verbose_name='repas')),
                ('counts', models.JSONField(default=dict, verbose_name='effectif par classe')),
                ('recipients', models.JSONField(blank=True, default=list, verbose_name='envoyé à')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='envoyé le')),
            ],
            options={
                'verbose_name': 'effectif figé',
                'verbose_name_plural': 'effectifs figés',
                'ordering': ['-date', 'service_id'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='closure',
            name='one_closure_per_day',
        ),
        migrations.AddField(
            model_name='beneficiary',
            name='diet',
            field=models.CharField(blank=True, choices=[('', 'Repas standard'), ('sans_porc', 'Sans porc'), ('sans_viande', 'Sans viande'), ('vegetarien', 'Végétarien')], max_length=20, verbose_name='régime'),
        ),
        migrations.AddField(
            model_name='closure',
            name='end_date',
            field=models.DateField(null=True, verbose_name="jusqu'au"),
        ),
        migrations.RunPython(one_day_closures, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='closure',
            name='end_date',
            field=models.DateField(verbose_name="jusqu'au"),
        ),
        migrations.AddField(
            model_name='closure',
            name='group',
            field=models.CharField(blank=True, help_text='Vide : tous les groupes.', max_length=100, verbose_name='groupe'),
        ),
        migrations.AddField(
            model_name='closure',
            name='school_class',
            field=models.CharField(blank=True, choices=[('TPS', 'Toute petite section'), ('PS', 'Petite section'), ('MS', 'Moyenne section'), ('GS', 'Grande section'), ('CP', 'CP'), ('CE1', 'CE1'), ('CE2', 'CE2'), ('CM1', 'CM1'), ('CM2', 'CM2'), ('COLLEGE', 'Collège'), ('ADULTE', 'Adulte')], help_text='Vide : toutes les classes.', max_length=10, verbose_name='classe'),
        ),
        migrations.AddConstraint(
            model_name='closure',
            constraint=models.UniqueConstraint(fields=('calendar', 'date', 'school_class', 'group'), name='one_closure_per_day'),
        ),
        migrations.AddConstraint(
            model_name='closure',
            constraint=models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('date'))), name='closure_ends_after_start'),
        ),
        migrations.AddField(
            model_name='catererrecipient',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ajouté par'),
        ),
        migrations.AddField(
            model_name='catererrecipient',
            name='service',
            field=models.ForeignKey(limit_choices_to={'structure': 'parent'}, on_delete=django.db.models.deletion.CASCADE, related_name='caterer_recipients', to='catalogue.product', verbose_name='service'),
        ),
        migrations.AddField(
            model_name='headcountsnapshot',
            name='service',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='headcount_snapshots', to='catalogue.product', verbose_name='service'),
        ),
        migrations.AddConstraint(
            model_name='catererrecipient',
            constraint=models.UniqueConstraint(fields=('service', 'email'), name='one_caterer_address'),
        ),
        migrations.AddConstraint(
            model_name='headcountsnapshot',
            constraint=models.UniqueConstraint(fields=('service', 'date'), name='one_snapshot_per_day'),
        ),
    ]
