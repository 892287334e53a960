# Department moved to builder (builder/0002) with its table: point AssignmentEvent at it and drop the model
# from this app's state. Nothing changes in the database.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels_app', '0003_inbox_sockets'),
        ('builder', '0002_department'),
        ('runtime', '0003_department_in_builder'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assignmentevent',
                    name='department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='builder.department'),
                ),
                migrations.DeleteModel(name='Department'),
            ],
            database_operations=[],
        ),
    ]
