# Conversation.department now points at builder.Department: the same table (see builder/0002), so only the
# migration state changes; the column and its foreign key constraint stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('runtime', '0002_worker_heartbeat_delivery_states'),
        ('builder', '0002_department'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='conversation',
                    name='department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='conversations', to='builder.department'),
                ),
            ],
            database_operations=[],
        ),
    ]
