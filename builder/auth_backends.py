"""Sign-in with a throttle: every password check of the site (login page, admin, API token) goes through here."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from builder import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend behind a lockout per account and per client address (builder.throttle).

    While locked, the password is not even checked (no oracle, no hashing cost): PermissionDenied stops
    `authenticate()`, and the view tells the caller how long to wait (HTTP 429)."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get(self._username_field(), "")
        name, ip = str(username or ""), throttle.client_ip(request)
        if throttle.login_locked_for(name, ip):
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if password is not None:
                throttle.login_failed(name, ip)
        else:
            throttle.login_succeeded(name)
        return user

    async def aauthenticate(self, request: Any, username: str | None = None, password: str | None = None,
                            **kwargs: Any) -> Any:
        # ModelBackend has its own async path, which would skip the throttle: take the one above.
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
