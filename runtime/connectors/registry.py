"""Outbound connectors by channel kind. Connectors register themselves at import (e.g. in AppConfig.ready).

The web widget needs no connector: its websocket group receives the `conv.message` event on commit.
"""

from __future__ import annotations

from runtime.connectors.base import Connector

_connectors: dict[str, Connector] = {}

# Channel kinds that are delivered through websocket groups, never through a connector.
SOCKET_KINDS = frozenset({"web", "preview"})


class UnknownConnector(LookupError):
    pass


def register(kind: str, connector: Connector) -> None:
    """Register (or replace) the connector that sends messages for channels of `kind`."""
    _connectors[kind] = connector


def unregister(kind: str) -> None:
    _connectors.pop(kind, None)


def get(kind: str) -> Connector:
    try:
        return _connectors[kind]
    except KeyError:
        raise UnknownConnector(f"no connector registered for channel kind {kind!r}") from None


def needs_delivery(kind: str) -> bool:
    """True when messages of this channel kind leave through a connector (not a websocket)."""
    return kind not in SOCKET_KINDS
