"""The SSRF guard: a webhook may only reach public http(s) addresses.

The host is resolved and refused when ANY of its addresses is loopback,
private, link-local, site-local, multicast, reserved, unspecified, a cloud
metadata service or otherwise not globally routable; an IPv6 address that
carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo, IPv4-compatible) is
judged by that IPv4 address too. This runs both when an endpoint is
registered and before every delivery, because DNS answers can change. The
delivery then connects to the address that was checked, so a second,
different DNS answer (rebinding) cannot slip in between the check and the
connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")  # never valid in a URL or a request line


class UnsafeURL(ValueError):
    """The URL is not one we may deliver to; the message says why."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # checked addresses, in resolver order


def parse(url: str) -> SplitResult:
    url = url.strip()
    # urlsplit silently drops tabs and newlines: refuse them (and spaces) instead
    if _CONTROL_OR_SPACE.search(url):
        raise UnsafeURL("the URL contains spaces or control characters (percent-encode them)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as error:
        raise UnsafeURL(f"not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("credentials in the URL are not allowed; use the signature to authenticate")
    if parts.port == 0:
        raise UnsafeURL("not a valid URL: port 0")
    if not (parts.path + parts.query).isascii():  # the request line is ASCII
        raise UnsafeURL("the URL's path and query must be ASCII (percent-encode the rest)")
    return parts


# Cloud instance metadata services: never a webhook target, whatever the
# operator allows. Most sit in 169.254/16 (refused as link-local anyway); these
# are listed so that no reclassification (ULA, shared address space, a public
# range) can ever open them.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, ...
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud (in the shared address space 100.64/10)
        "168.63.129.16",  # Azure WireServer (a public address, answered by the host)
        "192.0.0.192",  # Oracle Cloud Classic
        "fd00:ec2::254",  # AWS IMDS over IPv6 (a ULA, "private")
        "fd20:ce::254",  # GCP metadata over IPv6 (a ULA)
    )
)
# What LEDGER_WEBHOOK_ALLOW_PRIVATE opens: loopback and private (RFC 1918,
# RFC 4193 ULA) addresses, for test receivers and local demos. Nothing else.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
OPENED_BY_ALLOW_PRIVATE = frozenset({"loopback", "private"})

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215, local use only
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # RFC 2765 IPv4-translated
_MAPPED = "IPv4-mapped"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """Every IPv4 address an IPv6 address carries, with the name of its form."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [(_MAPPED, address.ipv4_mapped)]
    if address in _NAT64 or address in _LOCAL_NAT64:
        return [("NAT64", low32)]
    if address in _TRANSLATED:
        return [("IPv4-translated", low32)]
    if address.sixtofour is not None:
        return [("6to4", address.sixtofour)]
    if address.teredo is not None:
        server, client = address.teredo
        return [("Teredo", server), ("Teredo", client)]
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, not :: or ::1
        return [("IPv4-compatible", low32)]
    return []


def _kind(address: IPAddress) -> str | None:
    """The class of a non-public address, or None when it is globally routable."""
    if address in METADATA:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if any(address in network for network in LOOPBACK):
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in PRIVATE):
        return "private"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global:
        return "special-purpose"  # IANA's registry: not globally reachable
    return None


def refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why a webhook may not reach `address`, or None when it may.

    An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo, ...)
    is judged by that IPv4 address too: 6to4 of 169.254.169.254 is still the
    metadata service. `allow_private` opens plain loopback and private
    addresses (and their IPv4-mapped forms), never a translated form of one,
    never link-local or metadata addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(int(address))  # drop a zone id
        embedded = _embedded_ipv4(address)
        for form, inner in embedded:
            reason = refusal(inner, allow_private=allow_private and form == _MAPPED)
            if reason is not None:
                return reason if form == _MAPPED else f"{form} form of a {reason}"
        if embedded and embedded[0][0] in (_MAPPED, "NAT64") and address not in _LOCAL_NAT64:
            return None  # the IPv4 address is what the connection reaches, and it is public
    kind = _kind(address)
    if kind in OPENED_BY_ALLOW_PRIVATE and allow_private:
        return None
    return kind


def _getaddrinfo(host: str, port: int, timeout: float | None) -> list[Any]:
    """getaddrinfo, given up after `timeout` seconds: it has no timeout of its
    own, and a slow resolver must not hold a delivery past its deadline (the
    lookup thread is a daemon and ends when the resolver answers)."""
    if timeout is None or _literal(host) is not None:  # a literal needs no resolver
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    answer: list[Any] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as error:  # handed to the caller
            answer.append(error)

    thread = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    thread.start()
    thread.join(timeout)
    if not answer:
        raise UnsafeURL(f"the host {host!r} did not resolve within {timeout:.3g} s")
    if isinstance(answer[0], BaseException):
        raise answer[0]
    return answer[0]


def resolve(host: str, port: int, timeout: float | None = None) -> tuple[str, ...]:
    try:
        infos = _getaddrinfo(host, port, timeout)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"the host {host!r} does not resolve: {error}") from error
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeURL(f"the host {host!r} does not resolve")
    return tuple(addresses)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check(url: str, *, allow_private: bool, resolve_timeout: float | None = None) -> Target:
    """Parse, resolve and vet a webhook URL; UnsafeURL says what is wrong.

    A refused name is "a non-public address", never which one: the answer
    would tell a partner how the operator's internal names resolve."""
    parts = parse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port, resolve_timeout)
    for text in addresses:
        reason = refusal(ipaddress.ip_address(text), allow_private=allow_private)
        if reason is None:
            continue
        if _literal(host) is not None:
            article = "an" if reason[0] in "aeiouAEIOU" else "a"
            raise UnsafeURL(
                f"{host} is {article} {reason} address; webhooks may only reach public addresses"
            )
        raise UnsafeURL(
            f"{host} resolves to a non-public address; webhooks may only reach public addresses"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, parts.scheme, host, port, path, addresses)
