"""The SSRF guard: a webhook may only reach public http(s) addresses.

The host is resolved and refused when ANY of its addresses is loopback,
private, link-local, multicast, reserved or unspecified (or otherwise not
globally routable), both when an endpoint is registered and before every
delivery, because DNS answers can change. The delivery then connects to the
address that was checked, so a second, different DNS answer (rebinding)
cannot slip in between the check and the connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
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


def refusal(address: IPAddress) -> str | None:
    """Why an address is off limits, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for reason, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flag:
            return reason
    if not address.is_global:
        return "not globally routable"
    return None


def resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
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


def check(url: str, *, allow_private: bool) -> Target:
    """Parse, resolve and vet a webhook URL; UnsafeURL says what is wrong."""
    parts = parse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not allow_private:
        for text in addresses:
            reason = refusal(ipaddress.ip_address(text))
            if reason is not None:
                shown = host if host == text else f"{host} ({text})"
                raise UnsafeURL(
                    f"{shown} is a {reason} address; webhooks may only reach public addresses"
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, parts.scheme, host, port, path, addresses)
