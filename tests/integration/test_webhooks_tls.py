"""HTTPS deliveries: the connection goes to the vetted address while TLS
still checks the certificate against the URL's host name."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks.client import post


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def tls_server(cert: Path, key: Path, seen: list[dict[str, Any]]) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_https_delivery_verifies_the_host_name(tmp_path, monkeypatch) -> None:
    cert, key = self_signed(tmp_path, "localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust our test CA
    seen: list[dict[str, Any]] = []
    with tls_server(cert, key, seen) as port:
        outcome = post(
            f"https://localhost:{port}/hooks",
            b"{}",
            {"webhook-id": "msg_1"},
            timeout=3,
            allow_private=True,
        )
    assert outcome.ok and outcome.status_code == 204, outcome
    assert seen[0]["Host"] == f"localhost:{port}" and seen[0]["webhook-id"] == "msg_1"


@pytest.mark.parametrize("trusted", [True, False])
def test_https_delivery_refuses_a_bad_certificate(tmp_path, monkeypatch, trusted) -> None:
    cert, key = self_signed(tmp_path, "partner.example")  # not the URL's host
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with tls_server(cert, key, []) as port:
        outcome = post(f"https://localhost:{port}/hooks", b"{}", {}, timeout=3, allow_private=True)
    assert not outcome.ok and outcome.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in (outcome.error or "")


def test_a_kept_context_serves_every_delivery(tmp_path, monkeypatch) -> None:
    from webhooks import client

    cert, key = self_signed(tmp_path, "localhost")
    kept = ssl.create_default_context(cafile=str(cert))

    def no_new_context(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        raise AssertionError("a new SSL context was built (it loads the CA bundle each time)")

    seen: list[dict[str, Any]] = []
    with tls_server(cert, key, seen) as port:
        monkeypatch.setattr(client.ssl, "create_default_context", no_new_context)
        outcomes = [
            post(
                f"https://localhost:{port}/hooks",
                b"{}",
                {},
                timeout=3,
                allow_private=True,
                tls=kept,
            )
            for _ in range(2)
        ]
    assert [o.status_code for o in outcomes] == [204, 204] and len(seen) == 2


def test_the_dispatcher_keeps_one_context_for_its_deliveries(settings, monkeypatch) -> None:
    from webhooks import dispatcher as module
    from webhooks.queue import Claim

    used: list[Any] = []

    def fake_post(url: str, body: bytes, headers: dict[str, str], **options: Any) -> Any:
        used.append(options["tls"])
        return module.client.Outcome(204, 1.0)

    monkeypatch.setattr(module.client, "post", fake_post)
    monkeypatch.setattr(module.MessageQueue, "record", lambda *args, **kwargs: None)
    dispatcher = module.Dispatcher(None, None, settings)
    claim = Claim(
        "e", 1, 1, "msg_1", "program.opened", "{}", 1, "https://x.example/", ("whsec_AA==",)
    )
    dispatcher.deliver(claim)
    dispatcher.deliver(claim)
    assert used[0] is used[1] and isinstance(used[0], ssl.SSLContext)
