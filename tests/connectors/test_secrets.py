"""Channel secrets are encrypted at rest and never returned once stored."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from runtime.connectors.secrets import SecretsUnreadable, decrypt_secrets, encrypt_secrets


def test_round_trip_and_no_plain_text(settings):
    blob = encrypt_secrets({"bot_token": "123:SECRET-TOKEN-VALUE"})
    assert "SECRET-TOKEN-VALUE" not in blob
    assert decrypt_secrets(blob) == {"bot_token": "123:SECRET-TOKEN-VALUE"}
    assert decrypt_secrets("") == {}


def test_configured_key_is_used_and_a_key_change_is_detected(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    blob = encrypt_secrets({"app_secret": "abc"})
    assert decrypt_secrets(blob) == {"app_secret": "abc"}
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(SecretsUnreadable):
        decrypt_secrets(blob)


def test_derived_key_depends_on_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = ""
    blob = encrypt_secrets({"app_secret": "abc"})
    settings.SECRET_KEY = "another-secret-key-for-this-test"
    with pytest.raises(SecretsUnreadable):
        decrypt_secrets(blob)
