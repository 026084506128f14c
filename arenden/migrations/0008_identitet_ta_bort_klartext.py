# Issue 16 step 3 of 3: the clear-text identity columns and their index are dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('arenden', '0007_identitet_forsegla_klartext'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='arende',
            name='arenden_are_personn_177576_idx',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='kontaktuppgifter',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='namn',
        ),
        migrations.RemoveField(
            model_name='arende',
            name='personnummer',
        ),
    ]
