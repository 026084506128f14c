# Issue 16 step 1 of 3: the pseudonymous and sealed identity fields beside the clear ones.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0005_atkomstlogg_sokterm'),
    ]

    operations = [
        migrations.AddField(
            model_name='arende',
            name='fodelsear',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='födelseår'),
        ),
        migrations.AddField(
            model_name='arende',
            name='kon',
            field=models.CharField(blank=True, choices=[('K', 'Kvinna'), ('M', 'Man')], max_length=1, verbose_name='kön'),
        ),
        migrations.AddField(
            model_name='arende',
            name='pnr_hash',
            field=models.CharField(blank=True, help_text='Regionens nyckelade hash (HMAC-SHA256, hex) av personnumret', max_length=64),
        ),
        migrations.AddField(
            model_name='arende',
            name='identitet_chiffer',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='identitet_nyckel',
            field=models.BinaryField(blank=True, help_text='Datanyckeln, inslagen med hemregionens nyckel', null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='identitet_nyckelversion',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='arende',
            name='identitet_gallrad',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='identitet gallrad'),
        ),
        migrations.AddIndex(
            model_name='arende',
            index=models.Index(fields=['pnr_hash', 'kva'], name='arenden_are_pnr_has_fa9bf9_idx'),
        ),
        migrations.AddIndex(
            model_name='arende',
            index=models.Index(fields=['region', 'identitet_nyckelversion'], name='arenden_are_region__d85f06_idx'),
        ),
    ]
