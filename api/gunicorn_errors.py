"""gunicorn's own refusals in the API's one error shape.

A request broken at the HTTP level (a control byte in a header, two
`Content-Type` headers, both `Content-Length` and `Transfer-Encoding`, a
request line over 4,094 bytes, headers over 8,190) never reaches the app:
gunicorn refuses it itself, with a small HTML page of its own. Its workers
write that answer through one function, `gunicorn.util.write_error`;
`install` (run in each worker, `api.gunicorn_conf.post_worker_init`) puts
`write_problem` in its place, so the client gets the status gunicorn chose
with an `application/problem+json` body as from the app: RFC 9110's title,
gunicorn's reason as the detail, the connection closed.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from api.boundary import API_CSP, CSP, SECURITY_HEADERS
from api.errors import http_title, problem_type


def problem_bytes(status: int, mesg: str) -> bytes:
    """The whole HTTP/1.1 answer: status line, headers, problem+json body."""
    title = http_title(status)
    body = json.dumps(
        {
            "type": problem_type(title),
            "title": title,
            "status": status,
            "detail": mesg or title,  # gunicorn's reason; ASCII, its input escaped
        }
    ).encode()
    headers = {
        "Connection": "close",
        "Content-Type": "application/problem+json",
        "Content-Length": str(len(body)),
        **SECURITY_HEADERS,
        CSP: API_CSP,
    }
    head = f"HTTP/1.1 {status} {title}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"{head}\r\n".encode("latin-1") + body


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """`gunicorn.util.write_error`'s signature; `reason` is gunicorn's own
    phrase, which for some statuses (501) does not match them."""
    del reason
    util.write_nonblock(sock, problem_bytes(status_int, mesg))


def install() -> None:
    util.write_error = write_problem
