"""The SSRF guard: every class of non-public address is refused, literal or
behind a DNS name (resolution is faked here: unit tests do no I/O)."""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import pytest

from webhooks import ssrf
from webhooks.ssrf import UnsafeURL, check

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.20.1.1", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "special-purpose"),
    ("192.0.2.1", "special-purpose"),
    # cloud metadata services, wherever their address lies
    ("169.254.169.254", "cloud metadata"),
    ("169.254.170.2", "cloud metadata"),
    ("100.100.100.200", "cloud metadata"),
    ("168.63.129.16", "cloud metadata"),
    ("fd00:ec2::254", "cloud metadata"),
    ("fd20:ce::254", "cloud metadata"),
    # IPv6 forms that carry an IPv4 address are judged by it
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("::7f00:1", "IPv4-compatible form of a loopback"),
    ("::a9fe:a9fe", "IPv4-compatible form of a cloud metadata"),
    ("::ffff:0:a00:1", "IPv4-translated form of a private"),
    ("64:ff9b::a9fe:a9fe", "NAT64 form of a cloud metadata"),
    ("64:ff9b::7f00:1", "NAT64 form of a loopback"),
    ("64:ff9b:1::a00:1", "NAT64 form of a private"),
    ("64:ff9b:1::5db8:d70e", "reserved"),  # RFC 8215 local-use prefix: never public
    ("2002:a9fe:a9fe::", "6to4 form of a cloud metadata"),
    ("2002:7f00:1::", "6to4 form of a loopback"),
    ("2002:a00:1::5", "6to4 form of a private"),
    ("2002:a9fe:101::", "6to4 form of a link-local"),
    ("2001:0:5db8:d70e::80ff:fffe", "Teredo form of a loopback"),  # client 127.0.0.1
    ("2001:0:a00:1::3fff:fdd2", "Teredo form of a private"),  # server 10.0.0.1
]
# LEDGER_WEBHOOK_ALLOW_PRIVATE opens these, for loopback test receivers ...
OPENED_BY_THE_FLAG = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
]
# ... and never these.
NEVER = [
    "169.254.169.254",
    "169.254.1.1",
    "169.254.170.2",
    "fe80::1",
    "fd00:ec2::254",
    "fd20:ce::254",
    "100.100.100.200",
    "168.63.129.16",
    "::ffff:169.254.169.254",
    "2002:a9fe:a9fe::",
    "2002:7f00:1::",
    "2002:a00:1::5",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "::7f00:1",
    "::ffff:0:7f00:1",
    "2001:0:5db8:d70e::80ff:fffe",
    "fec0::1",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "100.64.0.1",
    "240.0.0.1",
]
PUBLIC = [
    "93.184.215.14",
    "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    "::ffff:93.184.215.14",
    "64:ff9b::5db8:d70e",
    "2002:5db8:d70e::1",
]


def url_for(address: str) -> str:
    return f"http://[{address}]/hook" if ":" in address else f"http://{address}/hook"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver: host name -> addresses."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        addresses = table.get(host, [host])
        if addresses == ["nxdomain"]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize("address, reason", REFUSED)
def test_non_public_literal_addresses_are_refused_and_named(dns, address: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=f"{re.escape(address)} is an? {reason} address"):
        check(url_for(address), allow_private=False)


@pytest.mark.parametrize("address, reason", REFUSED)
def test_names_resolving_to_non_public_addresses_are_refused_without_saying_where(
    dns, address: str, reason: str
) -> None:
    dns["hooks.partner.example"] = [address]
    with pytest.raises(UnsafeURL) as refused:
        check("https://hooks.partner.example/in", allow_private=False)
    message = str(refused.value)
    assert "hooks.partner.example resolves to a non-public address" in message
    # how the operator's names resolve is none of the registrant's business
    assert address not in message and reason not in message


def test_one_private_address_among_public_ones_is_enough_to_refuse(dns) -> None:
    dns["mixed.example"] = ["93.184.215.14", "10.0.0.7"]
    with pytest.raises(UnsafeURL, match="non-public address"):
        check("http://mixed.example/", allow_private=False)


@pytest.mark.parametrize("address", OPENED_BY_THE_FLAG)
def test_allow_private_opens_loopback_and_private_addresses(dns, address: str) -> None:
    with pytest.raises(UnsafeURL):
        check(url_for(address), allow_private=False)
    assert check(url_for(address), allow_private=True).addresses == (address,)


@pytest.mark.parametrize("address", NEVER)
def test_allow_private_never_opens_link_local_metadata_or_translated_forms(
    dns, address: str
) -> None:
    with pytest.raises(UnsafeURL, match="webhooks may only reach public addresses"):
        check(url_for(address), allow_private=True)
    dns["metadata.internal"] = [address]
    with pytest.raises(UnsafeURL, match="non-public address"):
        check("http://metadata.internal/latest", allow_private=True)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_and_their_translated_forms_are_accepted(dns, address: str) -> None:
    assert check(url_for(address), allow_private=False).addresses == (address,)


def test_a_scoped_link_local_address_is_refused(dns) -> None:
    with pytest.raises(UnsafeURL, match="link-local"):
        check("http://[fe80::1%25eth0]/hook", allow_private=True)


def test_a_resolver_that_hangs_is_given_up_after_the_timeout(monkeypatch) -> None:
    def hanging(*args: Any, **kwargs: Any) -> list[Any]:
        time.sleep(5)
        return []

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", hanging)
    started = time.monotonic()
    with pytest.raises(UnsafeURL, match="did not resolve within 0.2 s"):
        check("https://slow-dns.example/", allow_private=False, resolve_timeout=0.2)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://93.184.215.14/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("93.184.215.14/x", "only http and https"),
        ("http://", "no host"),
        ("http://user:pw@93.184.215.14/", "credentials"),
        ("http://93.184.215.14:99999/", "not a valid URL"),
    ],
)
def test_malformed_or_non_http_urls_are_refused(dns, url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason):
        check(url, allow_private=True)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://93.184.215.14/in box", "spaces or control characters"),
        ("http://93.184.215.14/in\nX-Injected: 1", "spaces or control characters"),
        ("http://93.184.215.14/in\tbox", "spaces or control characters"),
        ("http://93.184.215.14/caf\u00e9", "must be ASCII"),
        ("http://93.184.215.14/in?q=\u00e9", "must be ASCII"),
        ("http://93.184.215.14:0/in", "port 0"),
    ],
)
def test_urls_no_request_could_be_sent_to_are_refused(dns, url: str, reason: str) -> None:
    # accepted, each would fail every delivery (or, for port 0, go to port 80)
    with pytest.raises(UnsafeURL, match=reason):
        check(url, allow_private=True)


def test_a_percent_encoded_path_and_an_idn_host_are_accepted(dns) -> None:
    dns["b\u00fccher.example"] = ["93.184.215.14"]
    target = check("https://b\u00fccher.example/caf%C3%A9?q=a%20b", allow_private=False)
    assert (target.host, target.path) == ("b\u00fccher.example", "/caf%C3%A9?q=a%20b")


def test_unresolvable_hosts_are_refused(dns) -> None:
    dns["nowhere.example"] = ["nxdomain"]
    with pytest.raises(UnsafeURL, match="does not resolve"):
        check("https://nowhere.example/", allow_private=False)


def test_public_targets_keep_the_checked_addresses(dns) -> None:
    dns["hooks.partner.example"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    target = check("https://hooks.partner.example:8443/in?x=1", allow_private=False)
    assert target.addresses == ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.partner.example",
        8443,
        "/in?x=1",
    )
