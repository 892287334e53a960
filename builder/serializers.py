"""Shapes of API requests and responses. No logic: views call services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from builder import services


def validated(serializer_class: type[serializers.Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """`data` through `serializer_class` (with `context`); a 400 with every error's JSON pointer otherwise."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only (DRF's BooleanField also takes "yes", "on", 1 …, which a settings switch
    should refuse rather than guess)."""

    def to_internal_value(self, data: object) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


class FindingSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    path = serializers.CharField(help_text="JSON pointer into the document")
    message = serializers.CharField()
    params = serializers.JSONField(
        required=False, help_text="Details for a translated message, e.g. an expression problem's reason and column"
    )


class ErrorSerializer(serializers.Serializer):
    path = serializers.CharField()
    node_id = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class WorkspaceSerializer(serializers.Serializer):
    slug = serializers.CharField(source="workspace.slug")
    name = serializers.CharField(source="workspace.name")
    role = serializers.CharField()


class ScenarioListSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    revision = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.SerializerMethodField()
    published_version = serializers.SerializerMethodField()
    has_errors = serializers.SerializerMethodField()
    has_unpublished_changes = serializers.SerializerMethodField(
        help_text="The draft's content differs from the published version (true when never published)"
    )

    def get_has_unpublished_changes(self, scenario) -> bool:
        return services.has_unpublished_changes(scenario)

    def get_updated_by(self, scenario) -> str | None:
        return scenario.updated_by.get_username() if scenario.updated_by else None

    def get_published_version(self, scenario) -> int | None:
        return scenario.published_version.number if scenario.published_version else None

    def get_has_errors(self, scenario) -> bool:
        return any(f.severity == "error" for f in self.context["findings"][scenario.pk])


class ScenarioDetailSerializer(ScenarioListSerializer):
    created_at = serializers.DateTimeField()
    draft = serializers.JSONField()
    findings = serializers.SerializerMethodField()
    channel_kinds = serializers.SerializerMethodField(
        help_text="Kinds of the active channels running this scenario, e.g. [\"web\", \"whatsapp\"]"
    )

    def get_channel_kinds(self, scenario) -> list[str]:
        return services.channel_kinds(scenario)

    def get_findings(self, scenario) -> list[dict]:
        return FindingSerializer([f.as_dict() for f in self.context["findings"][scenario.pk]], many=True).data


class ScenarioCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.JSONField(required=False, help_text="A scenario document; default: a new empty one")


class ScenarioUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    slug = serializers.CharField(max_length=64, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class DraftSaveSerializer(serializers.Serializer):
    document = serializers.JSONField()
    revision = serializers.IntegerField(min_value=1, help_text="The revision the client last loaded")


class DraftSavedSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    has_unpublished_changes = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class RevisionConflictSerializer(ErrorsSerializer):
    current_revision = serializers.IntegerField()
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ValidateRequestSerializer(serializers.Serializer):
    document = serializers.JSONField(required=False, help_text="Validate this instead of the saved draft")


class FindingsSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)


class PublishRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    revision = serializers.IntegerField(
        min_value=1, required=False, help_text="If given, publish only if the draft is still at this revision"
    )


class RollbackRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DuplicateRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    note = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    rolled_back_from = serializers.IntegerField(allow_null=True)

    def get_author(self, version) -> str | None:
        return version.author.get_username() if version.author else None


class VersionDetailSerializer(VersionSerializer):
    document = serializers.JSONField()


class DiffQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(min_value=1)
    b = serializers.IntegerField(min_value=1)


class NodeChangeSerializer(serializers.Serializer):
    id = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())


class NodeDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    changed = NodeChangeSerializer(many=True)


class EdgeDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.JSONField())
    removed = serializers.ListField(child=serializers.JSONField())


class DiffSerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    nodes = NodeDiffSerializer()
    edges = EdgeDiffSerializer()
    variables_changed = serializers.BooleanField()
    settings_changed = serializers.BooleanField()


class TemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    nodes = serializers.IntegerField()


class TemplateCreateSerializer(serializers.Serializer):
    template = serializers.CharField(max_length=64, help_text="A template key from GET …/templates/")
    lang = serializers.CharField(max_length=16, required=False, allow_blank=True)


class TemplateCreatedSerializer(ScenarioDetailSerializer):
    import_ = serializers.JSONField(help_text="The import report (renamed, slug remaps, departments created)")

    def get_fields(self):
        fields = super().get_fields()
        fields["import"] = fields.pop("import_")
        return fields
