"""A request broken at the HTTP level never reaches the app: gunicorn refuses
it itself. Through `labledger serve`, that refusal is `problem+json` like
every other, with gunicorn's status and its reason as the detail, and the
server goes on answering."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from tests.integration.conftest import start_server, stop_server

BROKEN = {
    "a control byte in a header": (
        b"GET /v1/works HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n",
        400,
        "Bad Request",
    ),
    "both Content-Length and Transfer-Encoding": (
        b"POST /v1/programs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "Bad Request",
    ),
    "a request line over 4,094 bytes": (
        b"GET /v1/works?sha256=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "URI Too Long",
    ),
    "headers over 8,190 bytes": (
        b"GET /v1/works HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
        431,
        "Request Header Fields Too Large",
    ),
    "a request line that is not HTTP": (b"HELLO\r\n\r\n", 400, "Bad Request"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refusals")
    server = start_server(
        f"sqlite:///{tmp / 'ledger.sqlite3'}",
        tmp,
        "--workers",
        "2",
        "--no-followers",
        "--no-dispatcher",
    )
    yield server
    stop_server(server.process)


def _exchange(base: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):  # gunicorn closes the connection after it
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_request_broken_at_the_http_level_is_refused_as_problem_json(served, case):
    raw, status, title = BROKEN[case]
    answered, headers, body = _exchange(served.base, raw)
    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["title"] == title
    assert problem["type"].endswith("/" + title.lower().replace(" ", "-"))
    assert problem["detail"]  # gunicorn's reason
    # the server goes on answering
    assert requests.get(f"{served.base}/healthz", timeout=10).status_code == 200
