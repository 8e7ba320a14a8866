"""What the webhook API tests share: the endpoints path and a registration."""

from __future__ import annotations

from typing import Any

ENDPOINTS = "/v1/webhooks/endpoints"
PUBLIC_URL = "http://93.184.215.14/hooks"  # a literal public address: no DNS needed


def register(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post(ENDPOINTS, json={"url": PUBLIC_URL} | body, headers=headers)


def second_partner(tokens: Any) -> str:
    return tokens.store.create("partner", None, "other foundation").token
