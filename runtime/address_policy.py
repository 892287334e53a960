"""The one private-address policy for every outbound connection made from tenant-supplied data.

Scenario HTTP nodes and the editor's "Test request" (runtime/http_fetch.py) are the only places that
connect to an address a tenant chose; messenger API bases are deployment settings (TELEGRAM_API_BASE,
WHATSAPP_API_BASE), never tenant data, and media URLs are only handed to the provider, never fetched here.

An IPv6 address that carries an IPv4 address reaches that IPv4 host (through the kernel, a NAT64 gateway,
a 6to4 relay or a Teredo tunnel), so it is judged as that IPv4 address: `[::127.0.0.1]`,
`[::ffff:10.0.0.1]`, `[64:ff9b::a9fe:a9fe]` and `[2002:7f00:1::1]` are all private.
"""

from __future__ import annotations

import ipaddress

_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (also ::1 and ::, both private)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))  # RFC 6052, RFC 8215
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, but still routed inside some networks
_TEREDO = ipaddress.ip_network("2001::/32")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (empty when it carries none)."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    if address in _IPV4_COMPATIBLE or any(address in net for net in _NAT64):
        return [low32]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address in _TEREDO and address.teredo is not None:
        server, client = address.teredo
        return [server, client]
    return []


def is_public_address(ip: str) -> bool:
    """True when `ip` (a literal IPv4/IPv6 address, optionally with a %zone) is on the public internet."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried:
            return all(_public(v4) for v4 in carried)
        if address in _SITE_LOCAL:
            return False
    return _public(address)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global is False for private, loopback, link-local, reserved, shared (CGNAT), unspecified, …
    return address.is_global and not address.is_multicast
