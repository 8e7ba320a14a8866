"""How a public page of the site (`web.pages`) tags itself: as an API read
does (`api.reads`), before its first view row. The site reaches this through
`api.services.tag_public_read` (the only API module it may import); the
composition root (`api.app`) hands it over, so no import runs round a cycle."""

from __future__ import annotations

from flask import request

from api.reads import fresh, tag_views


def tag_page(*views: str, also: tuple[object, ...] = ()) -> None:
    """Each view caught up as an API read would be, then the tag from the
    views' generations and positions, the log head, `also` and the URL root
    the page's links name (a 304 or a remembered body raises from here)."""
    for name in views:
        fresh(name, None)
    tag_views(*views, also=(request.root_url, *also))
