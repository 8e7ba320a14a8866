"""/docs works with the network unplugged: Swagger UI's assets come from the
pinned flask-swagger-ui package, served here, and the page may load scripts
from this origin only."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
CDN_HOSTS = ("jsdelivr", "unpkg.com", "cdnjs", "googleapis.com/ajax")


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_references_only_local_assets_and_each_answers(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    references = _references(html)
    assert len(references) >= 5
    for url in references:
        assert url.startswith("/"), url  # this origin, no scheme, no host
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.get_data()) > 100, url
    assert 'data-spec-url="/openapi.json"' in html
    assert client.get("/openapi.json").status_code == 200
    init = client.get("/docs/init.js").get_data(as_text=True)
    assert "http" not in init and "validatorUrl: null" in init


def test_docs_may_run_scripts_from_this_origin_only(client):
    csp = client.get("/docs").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["style-src"] == "'self'"  # Swagger UI's inline-styled top bar is not used
    assert "<script>" not in client.get("/docs").get_data(as_text=True)  # nothing inline


def test_only_the_listed_assets_are_served(client):
    assert client.get("/docs/assets/LICENSE").status_code == 200  # Apache-2.0, shipped with it
    for name in ("../../__init__.py", "oauth2-redirect.html", "nothing.js"):
        assert client.get(f"/docs/assets/{name}").status_code == 404, name


def test_no_cdn_url_anywhere_in_the_code():
    found = []
    for path in [*ROOT.glob("api/**/*.py"), *ROOT.glob("web/**/*"), ROOT / "pyproject.toml"]:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path}: {host}" for host in CDN_HOSTS if host in text]
    assert found == []
