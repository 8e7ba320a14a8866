"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is `whsec_` + base64 of random bytes; a signature is `v1,` + base64
HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed by the secret's
decoded bytes. During a rotation both the new and the previous secret sign,
and `webhook-signature` carries both signatures, space-separated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets_: Iterable[str], webhook_id: str, timestamp: int, body: str) -> str:
    """`webhook-signature`: one `v1,` signature per live secret, newest first."""
    return " ".join(sign(s, webhook_id, timestamp, body) for s in secrets_)


def headers(secrets_: Iterable[str], webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, webhook_id, timestamp, body),
    }
