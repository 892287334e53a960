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
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from builder.models import Membership, Scenario
from runtime import channel_setup
from runtime.channel_setup import SetupError
from runtime.connectors.common import ProviderError
from runtime.connectors.secrets import SecretsUnreadable, generate_token, get_secrets, set_secrets
from runtime.connectors.templates import serialize_template, sync_templates
from runtime.messaging_models import MessageTemplate
from runtime.models import Channel

MANAGED_KINDS = (Channel.Kind.TELEGRAM, Channel.Kind.WHATSAPP)
# What the user supplies (required) and what we generate, per kind.
USER_SECRETS = {"telegram": ("bot_token",), "whatsapp": ("access_token", "app_secret")}
GENERATED_SECRETS = {"telegram": ("webhook_secret",), "whatsapp": ("verify_token",)}
CONFIG_KEYS = {
    "telegram": set(),
    "whatsapp": {"phone_number_id", "waba_id", "display_phone_number", "api_version"},
}
# Provider API addresses are deployment settings (TELEGRAM_API_BASE / WHATSAPP_API_BASE), never tenant data:
# a per-channel base sent the channel's token to any address an admin typed (README "Security").
DEPLOYMENT_ONLY_KEYS = {"api_base": "TELEGRAM_API_BASE / WHATSAPP_API_BASE"}
# Config values that become parts of a provider URL path.
PATH_SEGMENT_KEYS = {"phone_number_id", "waba_id"}
PATH_SEGMENT_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
REQUIRED_CONFIG = {"telegram": (), "whatsapp": ("phone_number_id",)}
BOT_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.path = status, code, message, path

    def response(self) -> Response:
        return Response(
            {"errors": [{"path": self.path, "node_id": None, "code": self.code, "message": self.message}]},
            status=self.status,
        )


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


def _membership(request: Request, ws: str) -> Membership:
    membership = (
        Membership.objects.select_related("workspace").filter(user=request.user, workspace__slug=ws).first()
    )
    if membership is None:
        raise Http404
    return membership


def _require_admin(membership: Membership) -> None:
    if not membership.can_manage:
        raise ApiError(403, "forbidden", "Only workspace admins can manage channels.")


def _channel(membership: Membership, pk: int) -> Channel:
    channel = Channel.objects.filter(workspace=membership.workspace, pk=pk).first()
    if channel is None:
        raise Http404
    return channel


def _clean_config(kind: str, raw: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid", "config must be an object.", "/config")
    for key, setting in DEPLOYMENT_ONLY_KEYS.items():
        if key in raw:
            raise ApiError(400, "invalid", f"config.{key} cannot be set on a channel: the provider's address is "
                           f"a deployment setting ({setting}).", f"/config/{key}")
    unknown = set(raw) - CONFIG_KEYS[kind]
    if unknown:
        raise ApiError(400, "invalid", f"Unknown config keys for {kind}: {sorted(unknown)}.", "/config")
    # Keys no longer accepted (a stored api_base) are dropped on the next write.
    kept = {k: v for k, v in (current or {}).items() if k in CONFIG_KEYS[kind]}
    config = {**kept, **{k: str(v).strip() for k, v in raw.items() if v not in (None, "")}}
    for key in REQUIRED_CONFIG[kind]:
        if not config.get(key):
            raise ApiError(400, "required", f"config.{key} is required for {kind}.", f"/config/{key}")
    for key in PATH_SEGMENT_KEYS & set(config):
        if not PATH_SEGMENT_RE.match(config[key]):
            raise ApiError(400, "invalid", f"config.{key} must be the numeric id from the Meta dashboard.",
                           f"/config/{key}")
    if config.get("api_version"):
        from runtime.connectors.whatsapp import API_VERSION_RE

        if not API_VERSION_RE.fullmatch(config["api_version"]):
            raise ApiError(400, "invalid", "config.api_version must look like v21.0.", "/config/api_version")
    return config


def _clean_user_secrets(kind: str, raw: Any, required: bool) -> dict[str, str]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid", "secrets must be an object.", "/secrets")
    unknown = set(raw) - set(USER_SECRETS[kind])
    if unknown:
        raise ApiError(400, "invalid", f"Unknown secrets for {kind}: {sorted(unknown)}.", "/secrets")
    values = {k: str(v).strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}
    if required:
        for key in USER_SECRETS[kind]:
            if key not in values:
                raise ApiError(400, "required", f"secrets.{key} is required for {kind}.", f"/secrets/{key}")
    if kind == "telegram" and "bot_token" in values and not BOT_TOKEN_RE.match(values["bot_token"]):
        raise ApiError(400, "invalid", "secrets.bot_token does not look like a BotFather token.", "/secrets/bot_token")
    return values


def _scenario(membership: Membership, raw: Any) -> Scenario | None:
    """A published scenario of the caller's workspace, or None; 400 otherwise (channel_setup.resolve_scenario)."""
    return channel_setup.resolve_scenario(membership.workspace, raw)


def _access(membership: Membership) -> dict[str, Any]:
    """What the caller may do with channels (the editor's "Connect to a channel" dialog reads it)."""
    return {"can_manage": membership.can_manage, "can_connect": channel_setup.can_connect(membership),
            channel_setup.EDITORS_CAN_CONNECT: channel_setup.editors_can_connect(membership.workspace)}


def _split_config(raw: Any) -> tuple[Any, dict[str, Any]]:
    """(the kind's own config keys, the no-scenario keys every kind has) of a posted config."""
    if not isinstance(raw, dict):
        return raw, {}
    rest = {k: v for k, v in raw.items() if k not in channel_setup.NO_SCENARIO_KEYS}
    return rest, channel_setup.clean_no_scenario(raw)


def _patched_config(channel: Channel, raw: Any) -> dict[str, Any]:
    """A channel's config after a PATCH: provider ids (Telegram / WhatsApp), allowed origins (web widget) and
    what it does without a scenario (any kind)."""
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid", "config must be an object.", "/config")
    current = channel.config if isinstance(channel.config, dict) else {}
    rest = {k: v for k, v in raw.items() if k not in channel_setup.NO_SCENARIO_KEYS}
    if channel.kind in MANAGED_KINDS:
        config = _clean_config(channel.kind, rest, current)
    elif channel.kind == Channel.Kind.WEB:
        unknown = set(rest) - {"allowed_origins"}
        if unknown:
            raise ApiError(400, "invalid", f"Unknown config keys for web: {sorted(unknown)}.", "/config")
        config = dict(current)
        if "allowed_origins" in rest:
            config["allowed_origins"] = channel_setup.clean_origins(rest["allowed_origins"])
    else:
        raise ApiError(400, "invalid", "This channel's settings cannot be changed.", "/config")
    for key in channel_setup.NO_SCENARIO_KEYS:
        config.pop(key, None)
    return {**config, **channel_setup.clean_no_scenario(raw, current)}


def _register_webhook(channel: Channel) -> None:
    """Telegram: point the bot at our webhook URL with the secret token (a no-op for WhatsApp, where the
    URL and verify token are pasted into the Meta dashboard)."""
    if channel.kind != Channel.Kind.TELEGRAM:
        return
    from runtime.connectors.telegram import TelegramConnector

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

    Telegram channels are registered with setWebhook before anything is saved, so a refused token leaves
    nothing behind. Raises ApiError for bad input.
    """
    if kind not in MANAGED_KINDS:
        raise ApiError(400, "invalid", "kind must be telegram or whatsapp.", "/kind")
    name = str(name or "").strip()
    if not name or len(name) > 120:
        raise ApiError(400, "invalid", "name is required (at most 120 characters).", "/name")
    clean_config = _clean_config(kind, config)
    user_secrets = _clean_user_secrets(kind, secrets, required=True)
    generated = {key: generate_token() for key in GENERATED_SECRETS[kind]}
    channel = Channel(workspace=workspace, kind=kind, name=name, config={**clean_config, **(extra_config or {})},
                      scenario=scenario)
    set_secrets(channel, {**user_secrets, **generated})
    if register_webhook and kind == Channel.Kind.TELEGRAM:
        _register_webhook(channel)
    channel.save()
    return channel, generated


def _create_web_channel(membership: Membership, data: dict[str, Any]) -> Channel:
    """A web widget channel from the settings page: a name and the page origins allowed to embed it."""
    from runtime.widget import create_web_channel

    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ApiError(400, "invalid", "name is required (at most 120 characters).", "/name")
    raw, common = _split_config(data.get("config"))
    if raw is not None and not isinstance(raw, dict):
        raise ApiError(400, "invalid", "config must be an object.", "/config")
    unknown = set(raw or {}) - {"allowed_origins"}
    if unknown:
        raise ApiError(400, "invalid", f"Unknown config keys for web: {sorted(unknown)}.", "/config")
    origins = channel_setup.clean_origins((raw or {}).get("allowed_origins"))
    scenario = _scenario(membership, data.get("scenario"))
    return create_web_channel(membership.workspace, name=name, scenario=scenario, allowed_origins=origins, **common)


# --- OpenAPI descriptions (the views validate by hand, so errors come back in the project's format) ------


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


class ChannelCreateIn(serializers.Serializer):
    kind = serializers.CharField(help_text="web | telegram | whatsapp")
    name = serializers.CharField(max_length=120)
    scenario = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False, help_text="whatsapp: phone_number_id (required), waba_id, …")
    secrets = serializers.DictField(
        child=serializers.CharField(), help_text="telegram: bot_token; whatsapp: access_token, app_secret"
    )
    register_webhook = serializers.BooleanField(required=False, default=True)


class ChannelPatchIn(serializers.Serializer):
    name = serializers.CharField(required=False)
    scenario = serializers.UUIDField(required=False, allow_null=True)
    config = serializers.DictField(required=False)
    is_active = serializers.BooleanField(required=False)


class RotateIn(serializers.Serializer):
    secrets = serializers.DictField(child=serializers.CharField(), required=False)
    regenerate = serializers.ListField(child=serializers.CharField(), required=False)


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


class TemplateIn(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    category = serializers.ChoiceField(choices=MessageTemplate.Category.choices, required=False)
    body = serializers.CharField()
    buttons = serializers.ListField(child=serializers.DictField(), required=False)
    submit = serializers.BooleanField(required=False, default=False)


class SyncOut(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    total = serializers.IntegerField()


ERRORS = OpenApiResponse(description='{"errors": [{"path", "node_id", "code", "message"}]}')
TAGS = ["channels"]


def _admin_channel(request: Request, ws: str, pk: int, *, kinds: tuple[str, ...] = (),
                   refusal: str = "") -> tuple[Membership, Channel]:
    """The caller's channel for a write: 404 if it is not in their workspace, 403 unless they are an admin,
    400 with `refusal` when the action does not apply to this kind of channel."""
    membership = _membership(request, ws)
    channel = _channel(membership, pk)
    _require_admin(membership)
    if kinds and channel.kind not in kinds:
        raise ApiError(400, "invalid", refusal)
    return membership, channel


class ChannelApiView(APIView):
    """Errors raised as `ApiError` anywhere in a view become the project's error response."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ApiError):
            return exc.response()
        if isinstance(exc, SetupError):
            return ApiError(exc.status, exc.code, exc.message, exc.path).response()
        return super().handle_exception(exc)


class ChannelListView(ChannelApiView):
    @extend_schema(tags=TAGS, operation_id="channels_list", responses={200: ChannelListOut})
    def get(self, request: Request, ws: str) -> Response:
        membership = _membership(request, ws)
        rows = (Channel.objects.filter(workspace=membership.workspace).select_related("scenario")
                .order_by("created_at", "id"))
        return Response({"results": [serialize_channel(c) for c in rows], **_access(membership)})

    @extend_schema(tags=TAGS, request=ChannelCreateIn, responses={201: ChannelCreatedOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str) -> Response:
        membership = _membership(request, ws)
        _require_admin(membership)
        data = request.data if isinstance(request.data, dict) else {}
        kind = data.get("kind")
        if kind == Channel.Kind.WEB:
            channel = _create_web_channel(membership, data)
            return Response({**serialize_channel(channel), "generated_secrets": {}}, status=201)
        config, common = _split_config(data.get("config"))
        channel, generated = create_messenger_channel(
            membership.workspace,
            kind=kind,
            name=data.get("name"),
            config=config,
            extra_config=common,
            secrets=data.get("secrets"),
            scenario=_scenario(membership, data.get("scenario")),
            register_webhook=bool(data.get("register_webhook", True)),
        )
        return Response({**serialize_channel(channel), "generated_secrets": generated}, status=201)


class ChannelDetailView(ChannelApiView):
    @extend_schema(tags=TAGS, operation_id="channels_retrieve", responses={200: ChannelOut})
    def get(self, request: Request, ws: str, pk: int) -> Response:
        return Response(serialize_channel(_channel(_membership(request, ws), pk)))

    @extend_schema(tags=TAGS, request=ChannelPatchIn, responses={200: ChannelOut, 400: ERRORS, 403: ERRORS})
    def patch(self, request: Request, ws: str, pk: int) -> Response:
        membership = _membership(request, ws)
        channel = _channel(membership, pk)
        data = request.data if isinstance(request.data, dict) else {}
        channel_setup.check_change(membership, set(data))  # admins; editors only the scenario, when allowed
        fields: list[str] = []
        if "name" in data:
            name = str(data.get("name") or "").strip()
            if not name or len(name) > 120:
                raise ApiError(400, "invalid", "name is required (at most 120 characters).", "/name")
            channel.name = name
            fields.append("name")
        if "scenario" in data:
            channel.scenario = _scenario(membership, data["scenario"])
            fields.append("scenario")
        if "is_active" in data:
            if not isinstance(data["is_active"], bool):
                raise ApiError(400, "invalid", "is_active must be a boolean.", "/is_active")
            channel.is_active = data["is_active"]
            fields.append("is_active")
        if "config" in data:
            channel.config = _patched_config(channel, data["config"])
            fields.append("config")
        if "secrets" in data:
            raise ApiError(400, "invalid", "Change secrets with POST …/rotate-secrets/.", "/secrets")
        if fields:
            channel.save(update_fields=fields)
        return Response(serialize_channel(channel))

    @extend_schema(tags=TAGS, responses={204: None, 403: ERRORS})
    def delete(self, request: Request, ws: str, pk: int) -> Response:
        _, channel = _admin_channel(request, ws, pk)
        channel.delete()
        return Response(status=204)


class RotateSecretsView(ChannelApiView):
    """POST {"secrets": {"bot_token": "…"}, "regenerate": ["webhook_secret"]}: replace the given secrets,
    regenerate ours, re-register the Telegram webhook; all or nothing."""

    @extend_schema(tags=TAGS, request=RotateIn, responses={200: ChannelCreatedOut, 400: ERRORS, 403: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        _, channel = _admin_channel(request, ws, pk, kinds=MANAGED_KINDS,
                                    refusal="This channel has no provider secrets.")
        data = request.data if isinstance(request.data, dict) else {}
        given = _clean_user_secrets(channel.kind, data.get("secrets"), required=False)
        regenerate = data.get("regenerate") or []
        allowed = set(GENERATED_SECRETS[channel.kind])
        if not isinstance(regenerate, list) or not all(isinstance(r, str) and r in allowed for r in regenerate):
            raise ApiError(
                400, "invalid", f"regenerate may list {list(GENERATED_SECRETS[channel.kind])}.", "/regenerate"
            )
        if not given and not regenerate:
            raise ApiError(400, "invalid", "Nothing to rotate: give secrets or regenerate.")
        try:
            current = get_secrets(channel)
        except SecretsUnreadable:
            current = {}
        generated = {key: generate_token() for key in regenerate}
        merged = {**current, **given, **generated}
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
        channel = _channel(_membership(request, ws), pk)
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
        _, channel = _admin_channel(request, ws, pk, kinds=(Channel.Kind.TELEGRAM,),
                                    refusal="Only Telegram webhooks are registered through the API.")
        _register_webhook(channel)
        return Response({"url": webhook_url(channel), "registered": True})


class TemplateListView(ChannelApiView):
    """GET: the channel's templates. POST: a new draft ({name, language, category, body, buttons}), sent
    for review when "submit": true."""

    @extend_schema(tags=TAGS, responses={200: TemplateListOut})
    def get(self, request: Request, ws: str, pk: int) -> Response:
        channel = _channel(_membership(request, ws), pk)
        rows = MessageTemplate.objects.filter(channel=channel)
        status = request.query_params.get("status")
        if status:
            rows = rows.filter(status=status)
        return Response({"results": [serialize_template(t) for t in rows]})

    @extend_schema(tags=TAGS, request=TemplateIn, responses={201: TemplateOut, 400: ERRORS, 409: ERRORS})
    def post(self, request: Request, ws: str, pk: int) -> Response:
        _, channel = _admin_channel(request, ws, pk, kinds=(Channel.Kind.WHATSAPP,),
                                    refusal="Templates belong to WhatsApp channels.")
        data = request.data if isinstance(request.data, dict) else {}
        name = str(data.get("name") or "")
        if not TEMPLATE_NAME_RE.match(name):
            raise ApiError(400, "invalid", "name: lowercase letters, digits and underscores.", "/name")
        language = str(data.get("language") or "")
        if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language):
            raise ApiError(400, "invalid", "language: a code like en, en_US or ru.", "/language")
        category = str(data.get("category") or "utility").lower()
        if category not in MessageTemplate.Category.values:
            raise ApiError(400, "invalid", "category: marketing, utility or authentication.", "/category")
        body = str(data.get("body") or "")
        if not body.strip() or len(body) > 1024:
            raise ApiError(400, "invalid", "body is required (at most 1024 characters).", "/body")
        buttons = data.get("buttons") or []
        if not isinstance(buttons, list) or len(buttons) > 10 or not all(isinstance(b, dict) for b in buttons):
            raise ApiError(400, "invalid", "buttons: a list of at most 10.", "/buttons")
        if MessageTemplate.objects.filter(channel=channel, name=name, language=language).exists():
            raise ApiError(409, "exists", "A template with this name and language exists.", "/name")
        template = MessageTemplate(
            channel=channel, name=name, language=language, category=category, body=body, buttons=buttons
        )
        if data.get("submit"):
            from runtime.connectors.whatsapp import WhatsAppConnector

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
        _, channel = _admin_channel(request, ws, pk, kinds=(Channel.Kind.WHATSAPP,),
                                    refusal="Templates belong to WhatsApp channels.")
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


class ChannelAccessIn(serializers.Serializer):
    editors_can_connect_channels = serializers.BooleanField()


class ChannelSettingsView(ChannelApiView):
    """GET: what the caller may do with channels. PATCH (admins): {"editors_can_connect_channels": bool} lets
    editors change the scenario of existing channels (never their secrets, settings, creation or deletion)."""

    @extend_schema(tags=TAGS, operation_id="channels_settings_retrieve", responses={200: ChannelAccessOut})
    def get(self, request: Request, ws: str) -> Response:
        return Response(_access(_membership(request, ws)))

    @extend_schema(tags=TAGS, request=ChannelAccessIn, responses={200: ChannelAccessOut, 400: ERRORS, 403: ERRORS})
    def patch(self, request: Request, ws: str) -> Response:
        membership = _membership(request, ws)
        _require_admin(membership)
        data = request.data if isinstance(request.data, dict) else {}
        if channel_setup.EDITORS_CAN_CONNECT not in data:
            raise ApiError(400, "required", f"{channel_setup.EDITORS_CAN_CONNECT} is required.",
                           f"/{channel_setup.EDITORS_CAN_CONNECT}")
        channel_setup.set_editors_can_connect(membership.workspace, data[channel_setup.EDITORS_CAN_CONNECT])
        return Response(_access(membership))
