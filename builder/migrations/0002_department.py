# Department moves from channels_app to builder (workspace configuration). The table and its rows stay where
# they are: this migration only adds the model to builder's state (db_table keeps the old table's name);
# channels_app/0004 drops it from channels_app's state once every foreign key points here (runtime/0003).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Keeps permissions and admin history attached to the same content type (a fresh database has none yet).
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="builder", model="department").exists():
        ContentType.objects.filter(app_label="channels_app", model="department").update(app_label="builder")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="channels_app", model="department").exists():
        ContentType.objects.filter(app_label="builder", model="department").update(app_label="channels_app")


class Migration(migrations.Migration):

    dependencies = [
        ('builder', '0001_initial'),
        ('channels_app', '0003_inbox_sockets'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('slug', models.SlugField(max_length=64)),
                        ('business_hours', models.JSONField(blank=True, default=dict)),
                        ('out_of_hours_message', models.TextField(blank=True, default='')),
                        ('assignment', models.CharField(choices=[('off', 'Manual claim only'), ('round_robin', 'Round robin'), ('least_busy', 'Least busy')], default='off', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('operators', models.ManyToManyField(blank=True, related_name='departments', to=settings.AUTH_USER_MODEL)),
                        ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='departments', to='builder.workspace')),
                    ],
                    options={
                        'db_table': 'channels_app_department',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('workspace', 'slug'), name='uniq_department_slug')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
