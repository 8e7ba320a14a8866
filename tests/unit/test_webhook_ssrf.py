"""The SSRF guard: every class of non-public address is refused, literal or
behind a DNS name (resolution is faked here: unit tests do no I/O)."""

from __future__ import annotations

import socket
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
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("::ffff:10.0.0.1", "private"),
    ("100.64.0.1", "not globally routable"),
]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A fake resolver: host name -> addresses."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        addresses = table.get(host, [host])
        if addresses == ["nxdomain"]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize("address, reason", REFUSED)
def test_non_public_literal_addresses_are_refused(dns, address: str, reason: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeURL, match=reason):
        check(f"https://{host}/hook", allow_private=False)


@pytest.mark.parametrize("address, reason", REFUSED)
def test_names_resolving_to_non_public_addresses_are_refused(
    dns, address: str, reason: str
) -> None:
    dns["hooks.partner.example"] = [address]
    with pytest.raises(UnsafeURL, match=reason):
        check("https://hooks.partner.example/in", allow_private=False)


def test_one_private_address_among_public_ones_is_enough_to_refuse(dns) -> None:
    dns["mixed.example"] = ["93.184.215.14", "10.0.0.7"]
    with pytest.raises(UnsafeURL, match="private"):
        check("http://mixed.example/", allow_private=False)


@pytest.mark.parametrize("url, reason", [
    ("ftp://93.184.215.14/x", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("93.184.215.14/x", "only http and https"),
    ("http://", "no host"),
    ("http://user:pw@93.184.215.14/", "credentials"),
    ("http://93.184.215.14:99999/", "not a valid URL"),
])
def test_malformed_or_non_http_urls_are_refused(dns, url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason):
        check(url, allow_private=True)


@pytest.mark.parametrize("url, reason", [
    ("http://93.184.215.14/in box", "spaces or control characters"),
    ("http://93.184.215.14/in\nX-Injected: 1", "spaces or control characters"),
    ("http://93.184.215.14/in\tbox", "spaces or control characters"),
    ("http://93.184.215.14/caf\u00e9", "must be ASCII"),
    ("http://93.184.215.14/in?q=\u00e9", "must be ASCII"),
    ("http://93.184.215.14:0/in", "port 0"),
])
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
        "https", "hooks.partner.example", 8443, "/in?x=1")


def test_allow_private_lets_loopback_through(dns) -> None:
    assert check("http://127.0.0.1:9000/", allow_private=True).addresses == ("127.0.0.1",)
