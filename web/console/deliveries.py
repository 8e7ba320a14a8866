"""Why a webhook delivery failed, in plain words for the partner's console.

The delivery log keeps what the worker saw ("ConnectionRefusedError: [Errno
111] Connection refused", "refused: the host 'x' does not resolve: [Errno -2]
Name or service not known"); the console says what it means and keeps that
text one click away. Why an endpoint was disabled is said in days, not seconds."""

from __future__ import annotations

import re
from http import HTTPStatus

# (what the recorded error matches, what the partner reads), first match wins.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"did not resolve within", "Looking up the receiver's host name took too long."),
        (
            r"does not resolve|gaierror|Name or service not known",
            "The receiver's host name was not found: check the URL's host.",
        ),
        (
            r"ConnectionRefusedError",
            "The receiver refused the connection: nothing is listening at that address and port.",
        ),
        (r"^timed out after ([\d.]+) s", "No answer within {0} seconds."),
        (r"^HTTP (\d{3})", "The receiver answered {0}{phrase}."),
        (
            r"^redirects are not followed",
            "The receiver answered with a redirect: deliveries do not follow redirects, "
            "so give the final URL.",
        ),
        (
            r"SSL|CertificateError|certificate",
            "The receiver's TLS certificate could not be verified.",
        ),
        (
            r"ConnectionResetError|RemoteDisconnected|BrokenPipeError|IncompleteRead",
            "The connection was closed before the receiver answered.",
        ),
        (r"^no address to connect to", "The receiver's host has no address to connect to."),
        (r"^refused: (.+)", "Not sent: {0}."),
    )
)


def reason(error: str | None) -> str | None:
    """What a recorded delivery error means, in plain words (None: no error)."""
    if not error:
        return None
    for pattern, words in REASONS:
        found = pattern.search(error)
        if found is not None:
            phrase = ""
            if found.groups() and found.group(1).isdigit() and len(found.group(1)) == 3:
                try:
                    phrase = f" ({HTTPStatus(int(found.group(1))).phrase})"
                except ValueError:
                    phrase = ""
            return words.format(*(g.rstrip(".") for g in found.groups()), phrase=phrase)
    return "The delivery failed."


def _duration(seconds: float) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


def disabled_because(text: str | None) -> str | None:
    """Why an endpoint was disabled, its duration said in days or hours."""
    if not text:
        return text
    return re.sub(r"([\d.]+) s\b", lambda m: _duration(float(m.group(1))), text)
