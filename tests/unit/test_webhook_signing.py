"""Standard Webhooks signatures, checked against the `standardwebhooks` package."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.signing import headers, new_secret, secret_key, sign

BODY = '{"type":"program.opened","timestamp":"2026-03-02T00:00:00.000000Z","data":{}}'


def test_secrets_are_whsec_and_at_least_24_random_bytes() -> None:
    a, b = new_secret(), new_secret()
    assert a.startswith("whsec_") and a != b
    assert len(base64.b64decode(a[len("whsec_") :])) >= 24


def test_signature_matches_the_reference_implementation() -> None:
    secret = new_secret()
    now = int(time.time())
    ours = sign(secret, "msg_1", now, BODY)
    theirs = Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, UTC), BODY)
    assert ours == theirs and ours.startswith("v1,")


def test_the_spec_example_signature() -> None:
    # the example in the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_both_secrets_verify_during_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    signed = headers([new, old], "msg_2", int(time.time()), BODY)
    assert len(signed["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(BODY, signed)["type"] == "program.opened"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, signed)


def test_a_tampered_body_does_not_verify() -> None:
    secret = new_secret()
    signed = headers([secret], "msg_3", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("opened", "closed"), signed)


def test_a_secret_without_the_prefix_is_refused() -> None:
    with pytest.raises(ValueError):
        secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
