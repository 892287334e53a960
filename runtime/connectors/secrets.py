"""Channel secrets (bot tokens, app secrets, webhook secrets) encrypted at rest with Fernet.

The key is settings.FIELD_ENCRYPTION_KEY (a Fernet key) or, when unset, derived from SECRET_KEY, so an
installation without extra configuration still never stores a token in clear text. Secrets are read only
by connectors; the API never returns them after creation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretsUnreadable(Exception):
    """The stored blob cannot be decrypted (the key changed): the channel must be given new secrets."""


def _fernet() -> Fernet:
    configured = getattr(settings, "FIELD_ENCRYPTION_KEY", "") or ""
    if configured:
        try:
            return Fernet(configured.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64-encoded bytes); "
                "generate one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from exc
    # Domain-separated derivation so the field key is not the SECRET_KEY itself.
    digest = hashlib.sha256(b"botflow/field-encryption/v1:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secrets(values: dict[str, str]) -> str:
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt_secrets(blob: str) -> dict[str, str]:
    if not blob:
        return {}
    try:
        data: Any = json.loads(_fernet().decrypt(blob.encode()))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnreadable("channel secrets cannot be decrypted with the current key") from exc
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def get_secrets(channel: Any) -> dict[str, str]:
    return decrypt_secrets(channel.secrets_encrypted)


def set_secrets(channel: Any, values: dict[str, str]) -> None:
    """Replace the channel's secrets (caller saves the channel)."""
    channel.secrets_encrypted = encrypt_secrets({k: v for k, v in values.items() if v})


def generate_token(nbytes: int = 32) -> str:
    """A webhook secret / verify token. Telegram's secret_token allows only A-Z a-z 0-9 _ - (1-256 chars)."""
    return _secrets.token_urlsafe(nbytes)
