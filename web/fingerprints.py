"""A SHA-256 fingerprint as people paste it: the 64 hexadecimal characters
alone, or the whole line a checksum tool printed for a file, which is what
the pages' "paste it from sha256sum FILE" leads them to copy."""

from __future__ import annotations

import re

# `sha256sum FILE` / `shasum -a 256 FILE`: "HASH  FILE" ("HASH *FILE" in
# binary mode; a leading backslash when the name was escaped), and the tagged
# form of `sha256sum --tag`, `shasum --tag` and `openssl dgst -sha256`:
# "SHA256 (FILE) = HASH", "SHA2-256(FILE)= HASH".
_LINES = (
    re.compile(r"\\?([0-9a-fA-F]{64})(?:[ \t]+\*?\S.*)?"),
    re.compile(r"SHA2?-?256 ?\(.*\) ?= ?([0-9a-fA-F]{64})"),
)


def pasted(text: str) -> str | None:
    """The fingerprint in `text` (lowercase), or None when it holds none."""
    line = text.strip()
    for pattern in _LINES:
        found = pattern.fullmatch(line)
        if found:
            return found.group(1).lower()
    return None
