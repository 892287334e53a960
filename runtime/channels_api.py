"""Channel management API: `/api/w/<workspace>/channels/…`.

Create a Telegram or WhatsApp channel, list and update channels, rotate secrets, show (and for Telegram
register) the webhook URL, and manage the WhatsApp templates of a channel. Secrets are write-only: a
create or rotate answers with the secrets *we generated* (webhook secret, verify token) exactly once;
tokens the user gave are never returned. Members may read; only admins change channels.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.api_errors import ApiError
from builder.models import Membership, Scenario
from builder.permissions import ADMIN, MEMBER
from builder.serializers import ErrorsSerializer, StrictBooleanField, validated
from runtime import channel_setup
from runtime.channel_setup import SetupError
from runtime.connectors.common import ProviderError
from runtime.connectors.secrets import SecretsUnreadable, generate_token, get_secrets, set_secrets
from runtime.connectors.telegram import TelegramConnector
from runtime.connectors.templates import serialize_template
from runtime.connectors.whatsapp import API_VERSION_RE, WhatsAppConnector, sync_templates
from runtime.models import Channel, MessageTemplate
from runtime.pipeline.scenarios import NO_SCENARIO_ACTIONS
from runtime.widget import create_web_channel

MANAGED_KINDS = (Channel.Kind.TELEGRAM, Channel.Kind.WHATSAPP)
# What the user supplies (required) and what we generate, per kind.
USER_SECRETS = {"telegram": ("bot_token",), "whatsapp": ("access_token", "app_secret")}
GENERATED_SECRETS = {"telegram": ("webhook_secret",), "whatsapp": ("verify_token",)}
# Provider API addresses are deployment settings (TELEGRAM_API_BASE / WHATSAPP_API_BASE), never tenant data:
# a per-channel base sent the channel's token to any address an admin typed (README "Security").
DEPLOYMENT_ONLY_KEYS = {"api_base": "TELEGRAM_API_BASE / WHATSAPP_API_BASE"}
PATH_SEGMENT_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
BOT_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


def webhook_url(channel: Channel) -> str:
    return f"{settings.SITE_URL}/webhooks/{channel.kind}/{channel.key}/"


def serialize_channel(channel: Channel) -> dict[str, Any]:
    try:
        names = sorted(get_secrets(channel))
    except SecretsUnreadable:
        names = []
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "name": channel.name,
        "key": channel.key,
        "scenario": str(channel.scenario_id) if channel.scenario_id else None,
        "config": channel.config,
        "is_active": channel.is_active,
        "webhook_url": webhook_url(channel) if channel.kind in MANAGED_KINDS else None,
        "secrets_set": names,  # names only, never values
        "created_at": channel.created_at.isoformat() if channel.created_at else None,
        **channel_setup.describe(channel),  # scenario name, no-scenario behaviour, web: snippet and test page
    }


# --- input: serializers validate every request body; their errors come back as JSON pointers ------------
# (`{"config": {"allowed_origins": {2: […]}}}` → path `/config/allowed_origins/2`, builder.api_errors).


class ClosedSerializer(serializers.Serializer):
    """An object with a fixed set of keys: an unknown key is an error at its own path. Keys sent as null or
    "" count as not sent (forms post empty fields)."""

    keep_empty: tuple[str, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            errors = {key: [self.unknown_key_error(key)] for key in data if key not in self.fields}
            if errors:
                raise serializers.ValidationError(errors)
            data = {k: v for k, v in data.items() if k in self.keep_empty or v not in (None, "")}
        return super().to_internal_value(data)

    def unknown_key_error(self, key: str) -> ErrorDetail:
        return ErrorDetail(f"“{key[:100]}” is not a setting of this kind of channel.", code="unknown_key")


class OriginField(serializers.CharField):
    """`scheme://host[:port]` (or "*"), normalised (channel_setup.clean_origins)."""

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        try:
            return channel_setup.clean_origins([text])[0]
        except SetupError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None


class ConfigIn(ClosedSerializer):
    """The config keys of every kind: what the channel does while it runs no scenario."""

    keep_empty = channel_setup.NO_SCENARIO_KEYS
    no_scenario_action = serializers.ChoiceField(choices=list(NO_SCENARIO_ACTIONS), required=False)
    no_scenario_text = serializers.CharField(max_length=channel_setup.NO_SCENARIO_TEXT_MAX, required=False,
                                             allow_blank=True, allow_null=True)

    def unknown_key_error(self, key: str) -> ErrorDetail:
        if key in DEPLOYMENT_ONLY_KEYS:
            return ErrorDetail(f"{key} cannot be set on a channel: the provider's address is a deployment "
                               f"setting ({DEPLOYMENT_ONLY_KEYS[key]}).", code="invalid")
        return super().unknown_key_error(key)


class TelegramConfigIn(ConfigIn):
    pass


def _path_segment(label: str, **kwargs: Any) -> serializers.RegexField:
    # These values become parts of the provider's URL path.
    return serializers.RegexField(PATH_SEGMENT_RE, error_messages={
        "invalid": f"{label} must be the numeric id from the Meta dashboard."}, **kwargs)


class WhatsAppConfigIn(ConfigIn):
    phone_number_id = _path_segment("phone_number_id")
    waba_id = _path_segment("waba_id", required=False)
    display_phone_number = serializers.CharField(required=False, max_length=64)
    api_version = serializers.RegexField(API_VERSION_RE, required=False,
                                         error_messages={"invalid": "api_version must look like v21.0."})


class WebConfigIn(ConfigIn):
    allowed_origins = serializers.ListField(child=OriginField(), max_length=channel_setup.MAX_ORIGINS,
                                            required=False, help_text="Pages allowed to embed the widget")


CONFIG_IN: dict[str, type[ConfigIn]] = {"telegram": TelegramConfigIn, "whatsapp": WhatsAppConfigIn,
                                        "web": WebConfigIn}


class TelegramSecretsIn(ClosedSerializer):
    bot_token = serializers.RegexField(BOT_TOKEN_RE, error_messages={
        "invalid": "bot_token does not look like a BotFather token."})


class WhatsAppSecretsIn(ClosedSerializer):
    access_token = serializers.CharField(max_length=4096)
    app_secret = serializers.CharField(max_length=4096)


SECRETS_IN: dict[str, type[ClosedSerializer]] = {"telegram": TelegramSecretsIn, "whatsapp": WhatsAppSecretsIn}


def _nested(serializer_class: type[serializers.Serializer], raw: Any, field: str, **kwargs: Any) -> dict[str, Any]:
    """`raw` through `serializer_class`; its errors under `field` (so their paths start with /field)."""
    serializer = serializer_class(data=raw if raw is not None else {}, **kwargs)
    if not serializer.is_valid():
        raise serializers.ValidationError({field: serializer.errors})
    return dict(serializer.validated_data)


def clean_config(kind: str, raw: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A channel's config after a create (`current` None) or a PATCH: the kind's keys (provider ids, a web
    widget's allowed origins) and what it does without a scenario. Keys no longer accepted (a stored
    api_base) are dropped on the next write."""
    if kind not in CONFIG_IN:
        raise serializers.ValidationError({"config": ["This channel's settings cannot be changed."]})
    serializer_class = CONFIG_IN[kind]
    clean = _nested(serializer_class, raw, "config", partial=current is not None)
    common = {k: clean.pop(k) for k in channel_setup.NO_SCENARIO_KEYS if k in clean}
    kept = {k: v for k, v in (current or {}).items() if k in serializer_class().fields}
    if "allowed_origins" in clean:
        clean["allowed_origins"] = list(dict.fromkeys(clean["allowed_origins"]))
    config = {**kept, **clean}
    for key in channel_setup.NO_SCENARIO_KEYS:
        config.pop(key, None)
    return {**config, **channel_setup.clean_no_scenario(common, current)}


class ChannelCreateIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["web", *MANAGED_KINDS])
    name = serializers.CharField(max_length=120)
    scenario = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                     help_text="A published scenario's id, or null")
    config = serializers.DictField(required=False, help_text="telegram: none; whatsapp: phone_number_id "
                                   "(required), waba_id, display_phone_number, api_version; web: allowed_origins; "
                                   "every kind: no_scenario_action, no_scenario_text")
    secrets = serializers.DictField(required=False,
                                    help_text="telegram: bot_token; whatsapp: access_token, app_secret")
    register_webhook = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["kind"]
        attrs["config"] = clean_config(kind, self.initial_data.get("config"))
        if kind in MANAGED_KINDS:
            attrs["secrets"] = _nested(SECRETS_IN[kind], self.initial_data.get("secrets"), "secrets")
        return attrs


class ChannelPatchIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    scenario = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    config = serializers.DictField(required=False)
    is_active = StrictBooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "secrets" in self.initial_data:
            raise serializers.ValidationError({"secrets": ["Change secrets with POST …/rotate-secrets/."]})
        channel: Channel = self.context["channel"]
        if "config" in attrs:
            current = channel.config if isinstance(channel.config, dict) else {}
            attrs["config"] = clean_config(channel.kind, self.initial_data["config"], current)
        return attrs


class RotateIn(serializers.Serializer):
    secrets = serializers.DictField(required=False, help_text="New values of the secrets you gave")
    regenerate = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                       help_text="Secrets we generate to make anew: webhook_secret / verify_token")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = self.context["channel"].kind
        attrs["secrets"] = _nested(SECRETS_IN[kind], self.initial_data.get("secrets"), "secrets", partial=True)
        allowed = GENERATED_SECRETS[kind]
        wrong = {i: [f"regenerate may list {list(allowed)}."] for i, r in enumerate(attrs["regenerate"])
                 if r not in allowed}
        if wrong:
            raise serializers.ValidationError({"regenerate": wrong})
        if not attrs["secrets"] and not attrs["regenerate"]:
            raise serializers.ValidationError("Nothing to rotate: give secrets or regenerate.")
        return attrs


class LowercaseChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data.lower() if isinstance(data, str) else data)


class TemplateIn(serializers.Serializer):
    name = serializers.RegexField(TEMPLATE_NAME_RE, error_messages={
        "invalid": "name: lowercase letters, digits and underscores."})
    language = serializers.RegexField(TEMPLATE_LANGUAGE_RE, error_messages={
        "invalid": "language: a code like en, en_US or ru."})
    category = LowercaseChoiceField(choices=MessageTemplate.Category.choices, required=False,
                                    default=MessageTemplate.Category.UTILITY)
    body = serializers.CharField(max_length=1024)
    buttons = serializers.ListField(child=serializers.DictField(), max_length=10, required=False, default=list)
    submit = serializers.BooleanField(required=False, default=False)


class TemplateFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=MessageTemplate.Status.choices, required=False,
                                     help_text="Only the templates in this review state")


class ChannelAccessIn(serializers.Serializer):
    editors_can_connect_channels = StrictBooleanField()


def _scenario(membership: Membership, raw: Any) -> Scenario | None:
    """A published scenario of the caller's workspace, or None; 400 otherwise (channel_setup.resolve_scenario)."""
    return channel_setup.resolve_scenario(membership.workspace, raw)


def _access(membership: Membership) -> dict[str, Any]:
    """What the caller may do with channels (the editor's "Connect to a channel" dialog reads it)."""
    return {"can_manage": membership.can_manage, "can_connect": channel_setup.can_connect(membership),
            channel_setup.EDITORS_CAN_CONNECT: channel_setup.editors_can_connect(membership.workspace)}


def _register_webhook(channel: Channel) -> None:
    """Telegram: point the bot at our webhook URL with the secret token (a no-op for WhatsApp, where the
    URL and verify token are pasted into the Meta dashboard)."""
    if channel.kind != Channel.Kind.TELEGRAM:
        return
    try:
        TelegramConnector().set_webhook(channel, webhook_url(channel))
    except ProviderError as exc:
        # ProviderError messages are our own short reasons (connectors/common.refusal), never the provider's text.
        raise ApiError(400, "provider_error", f"Telegram refused setWebhook: {exc}", "/secrets") from exc


def create_messenger_channel(
    workspace: Any,
    *,
    kind: Any,
    name: Any,
    config: Any = None,
    secrets: Any = None,
    scenario: Scenario | None = None,
    register_webhook: bool = True,
    extra_config: dict[str, Any] | None = None,
) -> tuple[Channel, dict[str, str]]:
    """Create a Telegram or WhatsApp channel; returns it and the secrets we generated (shown once).

    The input goes through `ChannelCreateIn` like the API's; a ValidationError (a 400 in the API) for bad
    input. Telegram channels are registered with setWebhook before anything is saved, so a refused token
    leaves nothing behind.
    """
    serializer = ChannelCreateIn(data={"kind": kind, "name": name, "config": config or {}, "secrets": secrets or {}})
    serializer.is_valid(raise_exception=True)
    if kind not in MANAGED_KINDS:
        raise serializers.ValidationError({"kind": ["kind must be telegram or whatsapp."]})
    data = serializer.validated_data
    generated = {key: generate_token() for key in GENERATED_SECRETS[kind]}
    channel = Channel(workspace=workspace, kind=kind, name=data["name"],
                      config={**data["config"], **(extra_config or {})}, scenario=scenario)
    set_secrets(channel, {**data["secrets"], **generated})
    if register_webhook and kind == Channel.Kind.TELEGRAM:
        _register_webhook(channel)
    channel.save()
    return channel, generated


# --- output: OpenAPI descriptions of the responses --------------------------------------------------------


class ChannelOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="web | telegram | whatsapp | preview")
    name = serializers.CharField()
    key = serializers.CharField(help_text="Public id used in the webhook URL (not a secret)")
    scenario = serializers.UUIDField(allow_null=True)
    config = serializers.DictField()
    is_active = serializers.BooleanField()
    webhook_url = serializers.URLField(allow_null=True)
    secrets_set = serializers.ListField(child=serializers.CharField(), help_text="Names only, never values")
    created_at = serializers.DateTimeField()
    scenario_name = serializers.CharField(allow_null=True)
    scenario_published = serializers.BooleanField()
    no_scenario_action = serializers.ChoiceField(choices=["queue", "auto_reply"],
                                                 help_text="What the channel does while it runs no scenario")
    no_scenario_text = serializers.CharField(help_text="The auto-reply text (auto_reply)")
    snippet = serializers.CharField(required=False, help_text="web: the <script> line to paste into a site")
    test_url = serializers.URLField(required=False, help_text="web: our sample page embedding this widget")
    allowed_origins = serializers.ListField(child=serializers.CharField(), required=False)


class ChannelCreatedOut(ChannelOut):
    generated_secrets = serializers.DictField(
        child=serializers.CharField(), help_text="Secrets we generated (webhook_secret / verify_token), shown once"
    )


class ChannelListOut(serializers.Serializer):
    results = ChannelOut(many=True)
    can_manage = serializers.BooleanField()
    can_connect = serializers.BooleanField()
    editors_can_connect_channels = serializers.BooleanField()


class WebhookOut(serializers.Serializer):
    url = serializers.URLField()
    kind = serializers.CharField(required=False)
    instructions = serializers.CharField(required=False)
    registered = serializers.BooleanField(required=False)


class TemplateOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    language = serializers.CharField()
    category = serializers.CharField()
    body = serializers.CharField()
    placeholders = serializers.ListField(child=serializers.CharField())
    buttons = serializers.ListField(child=serializers.DictField())
    status = serializers.CharField()
    rejected_reason = serializers.CharField()


class TemplateListOut(serializers.Serializer):
    results = TemplateOut(many=True)


class SyncOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    total = serializers.IntegerField()


ERRORS = OpenApiResponse(response=ErrorsSerializer, description="The API's error body (README \"The REST API\")")
TAGS = ["channels"]


class ChannelApiView(APIView):
    """Members read channels; admins change them (builder.permissions.WorkspaceRole checks the role)."""

    write_role = ADMIN
    role_refusal = "Only workspace admins can manage channels."
    membership: Membership

    def channel(self, pk: int, *, kinds: tuple[str, ...] = (), refusal: str = "") -> Channel:
        """A channel of the caller's workspace (404 otherwise); 400 with `refusal` when the action does not
        apply to this kind of channel."""
        channel = Channel.objects.filter(workspace=self.membership.workspace, pk=pk).first()
        if channel is None:
            raise Http404
        if kinds and channel.kind not in kinds:
            raise ApiError(400, "invalid", refusal)
        return channel


class ChannelListView(ChannelApiView):
    @extend_schema(tags=TAGS, operation_id="channels_list", responses={200: ChannelListOut})
    def get(self, request: Request, ws: str) -> Response:
        rows = (Channel.objects.filter(workspace=self.membership.workspace).select_related("scenario")
                .order_by("created_at", "id"))
        return Response({"results": [serialize_channel(c) for c in rows], **_access(self.membership)})

    @extend_schema(tags=TAGS, request=ChannelCreateIn, responses={201: ChannelCreatedOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str) -> Response:
        membership = self.membership
        data = validated(ChannelCreateIn, request.data)
        scenario = _scenario(membership, data.get("scenario"))
        if data["kind"] == Channel.Kind.WEB:
            config = dict(data["config"])
            channel = create_web_channel(membership.workspace, name=data["name"], scenario=scenario,
                                         allowed_origins=config.pop("allowed_origins", []), **config)
            return Response({**serialize_channel(channel), "generated_secrets": {}}, status=201)
        channel, generated = create_messenger_channel(
            membership.workspace,
            kind=data["kind"],
            name=data["name"],
            config=request.data.get("config"),
            secrets=request.data.get("secrets"),
            scenario=scenario,
            register_webhook=data["register_webhook"],
        )
        return Response({**serialize_channel(channel), "generated_secrets": generated}, status=201)


class ChannelDetailView(ChannelApiView):
    # Editors may change a channel's scenario when an admin allows it: channel_setup.check_change decides.
    method_roles = {"PATCH": MEMBER}

    @extend_schema(tags=TAGS, operation_id="channels_retrieve", responses={200: ChannelOut})
    def get(self, request: Request, ws: str, pk: int) -> Response:
        return Response(serialize_channel(self.channel(pk)))

    @extend_schema(tags=TAGS, request=ChannelPatchIn, responses={200: ChannelOut, 400: ERRORS, 403: ERRORS})
    def patch(self, request: Request, ws: str, pk: int) -> Response:
        membership = self.membership
        channel = self.channel(pk)
        channel_setup.check_change(membership, set(request.data) if isinstance(request.data, dict) else set())
        data = validated(ChannelPatchIn, request.data, channel=channel)
        if "scenario" in data:
            data["scenario"] = _scenario(membership, data["scenario"])
        for field, value in data.items():
            setattr(channel, field, value)
        if data:
            channel.save(update_fields=list(data))
        return Response(serialize_channel(channel))

    @extend_schema(tags=TAGS, responses={204: None, 403: ERRORS})
    def delete(self, request: Request, ws: str, pk: int) -> Response:
        self.channel(pk).delete()
        return Response(status=204)


class RotateSecretsView(ChannelApiView):
    """POST {"secrets": {"bot_token": "…"}, "regenerate": ["webhook_secret"]}: replace the given secrets,
    regenerate ours, re-register the Telegram webhook; all or nothing."""

    @extend_schema(tags=TAGS, request=RotateIn, responses={200: ChannelCreatedOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk, kinds=MANAGED_KINDS, refusal="This channel has no provider secrets.")
        data = validated(RotateIn, request.data, channel=channel)
        try:
            current = get_secrets(channel)
        except SecretsUnreadable:
            current = {}
        generated = {key: generate_token() for key in data["regenerate"]}
        merged = {**current, **data["secrets"], **generated}
        missing = [k for k in USER_SECRETS[channel.kind] + GENERATED_SECRETS[channel.kind] if not merged.get(k)]
        if missing:
            raise ApiError(400, "required", f"The channel would lack {missing}.", "/secrets")
        set_secrets(channel, merged)
        if channel.kind == Channel.Kind.TELEGRAM:
            _register_webhook(channel)
        channel.save(update_fields=["secrets_encrypted"])
        return Response({**serialize_channel(channel), "generated_secrets": generated})


class WebhookView(ChannelApiView):
    """GET: the URL to paste into the provider. POST (Telegram): register it with setWebhook now."""

    @extend_schema(tags=TAGS, responses={200: WebhookOut})
    def get(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk)
        if channel.kind not in MANAGED_KINDS:
            raise Http404
        info: dict[str, Any] = {"url": webhook_url(channel), "kind": channel.kind}
        if channel.kind == Channel.Kind.WHATSAPP:
            info["instructions"] = (
                "In the Meta app dashboard, WhatsApp > Configuration: paste this callback URL and the verify "
                "token shown when the channel was created (rotate it to get a new one), then subscribe to the "
                "'messages' and 'message_template_status_update' fields."
            )
        else:
            info["instructions"] = "POST to this endpoint to register the URL with Telegram (setWebhook)."
        return Response(info)

    @extend_schema(tags=TAGS, request=None, responses={200: WebhookOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk, kinds=(Channel.Kind.TELEGRAM,),
                               refusal="Only Telegram webhooks are registered through the API.")
        _register_webhook(channel)
        return Response({"url": webhook_url(channel), "registered": True})


class TemplateListView(ChannelApiView):
    """GET: the channel's templates. POST: a new draft ({name, language, category, body, buttons}), sent
    for review when "submit": true."""

    @extend_schema(tags=TAGS, parameters=[TemplateFilterIn], responses={200: TemplateListOut, 400: ERRORS})
    def get(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk)
        query = validated(TemplateFilterIn, {k: v for k, v in request.query_params.items() if v})
        rows = MessageTemplate.objects.filter(channel=channel)
        if "status" in query:
            rows = rows.filter(status=query["status"])
        return Response({"results": [serialize_template(t) for t in rows]})

    @extend_schema(tags=TAGS, request=TemplateIn, responses={201: TemplateOut, 400: ERRORS, 409: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk, kinds=(Channel.Kind.WHATSAPP,), refusal="Templates belong to WhatsApp channels.")
        data = validated(TemplateIn, request.data)
        if MessageTemplate.objects.filter(channel=channel, name=data["name"], language=data["language"]).exists():
            raise ApiError(409, "exists", "A template with this name and language exists.", "/name")
        template = MessageTemplate(channel=channel, name=data["name"], language=data["language"],
                                   category=data["category"], body=data["body"], buttons=data["buttons"])
        if data["submit"]:
            try:
                answer = WhatsAppConnector().submit_template(channel, template)
            except ProviderError as exc:
                raise ApiError(400, "provider_error", f"WhatsApp refused the template: {exc}") from exc
            template.provider_id = str(answer.get("id", ""))
            template.status = MessageTemplate.Status.SUBMITTED
        with transaction.atomic():
            template.save()
        return Response(serialize_template(template), status=201)


class TemplateSyncView(ChannelApiView):
    @extend_schema(tags=TAGS, request=None, responses={200: SyncOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        channel = self.channel(pk, kinds=(Channel.Kind.WHATSAPP,), refusal="Templates belong to WhatsApp channels.")
        try:
            with transaction.atomic():
                result = sync_templates(channel)
        except ProviderError as exc:
            raise ApiError(400, "provider_error", f"Could not fetch templates: {exc}") from exc
        return Response({"created": result.created, "updated": result.updated, "total": result.total})


class ChannelAccessOut(serializers.Serializer):
    can_manage = serializers.BooleanField()
    can_connect = serializers.BooleanField(help_text="May change which scenario a channel runs")
    editors_can_connect_channels = serializers.BooleanField()


class ChannelSettingsView(ChannelApiView):
    """GET: what the caller may do with channels. PATCH (admins): {"editors_can_connect_channels": bool} lets
    editors change the scenario of existing channels (never their secrets, settings, creation or deletion)."""

    @extend_schema(tags=TAGS, operation_id="channels_settings_retrieve", responses={200: ChannelAccessOut})
    def get(self, request: Request, ws: str) -> Response:
        return Response(_access(self.membership))

    @extend_schema(tags=TAGS, request=ChannelAccessIn, responses={200: ChannelAccessOut, 400: ERRORS, 403: ERRORS})
    def patch(self, request: Request, ws: str) -> Response:
        data = validated(ChannelAccessIn, request.data)
        channel_setup.set_editors_can_connect(self.membership.workspace, data[channel_setup.EDITORS_CAN_CONNECT])
        return Response(_access(self.membership))
