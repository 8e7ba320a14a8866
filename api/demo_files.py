"""The demo works' files: small PNG images made here (zlib and struct, no
image library), the same bytes for the same title on every machine, so the
demo declares their true SHA-256 and a visitor has real files to verify."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import urlparse

from ledger.settings import Settings

WIDTH, HEIGHT = 240, 160


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG of `rows` (each `width` x 3 bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


@functools.cache
def artwork(title: str) -> bytes:
    """Bands of colour bent by a wave, their palette and rhythm drawn from
    the title: a picture per work, identical wherever it is made."""
    seed = hashlib.sha256(title.encode("utf-8")).digest()
    palette = [bytes(seed[i : i + 3]) for i in range(0, 15, 3)]
    period, amplitude, band = 20 + seed[15] % 40, 6 + seed[16] % 18, 12 + seed[17] % 16
    phase = seed[18] / 40
    bends = [int(amplitude * math.sin(x / period + phase)) for x in range(WIDTH)]
    rows = []
    for y in range(HEIGHT):
        rows.append(b"".join(palette[((y + bend) // band) % len(palette)] for bend in bends))
    return png(WIDTH, HEIGHT, rows)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_name(number: int, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"{number:02d}-{slug}.png"


def works_dir(settings: Settings) -> Path:
    """Beside the SQLite file (`./var/demo/works` by default); on PostgreSQL,
    beside the log's signing key (also `./var` by default)."""
    url = settings.database_url
    if urlparse(url).scheme == "sqlite" and url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if path != ":memory:" and not path.startswith("file:"):
            return Path(path).parent / "demo" / "works"
    return settings.signing_key_file.parent / "demo" / "works"


def write(directory: Path, titles: list[str]) -> list[Path]:
    """Write each title's file (numbered in declaration order) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, title in enumerate(titles, start=1):
        path = directory / file_name(number, title)
        path.write_bytes(artwork(title))
        written.append(path)
    return written
