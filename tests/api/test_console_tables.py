"""On a phone the console's tables hide their header row (console.css), so
every cell carries its column's name (`data-label`, shown by CSS before the
value): a row reads "Generations: 0", not a bare "0"."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.api.test_console_pages import _pages, demo  # noqa: F401 (a fixture)
from tests.console_support import sign_in


class Tables(HTMLParser):
    """Each table.list: its column headers and, per body row, each cell's data-label."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list]] = []
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "list" in (found.get("class") or "").split():
            self.tables.append({"headers": [], "rows": []})
        elif not self.tables:
            return
        elif tag == "thead":
            self._in = "thead"
        elif tag == "tbody":
            self._in = "tbody"
        elif tag == "tr" and self._in == "tbody":
            self.tables[-1]["rows"].append([])
        elif tag == "th" and self._in == "thead":
            self._text = []
        elif tag in ("td", "th") and self._in == "tbody":
            label = found.get("data-label")
            self.tables[-1]["rows"][-1].append(label if tag == "td" or label else "(row header)")

    def handle_data(self, data: str) -> None:
        if self._in == "thead":
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._in == "thead":
            self.tables[-1]["headers"].append(" ".join("".join(self._text).split()))
        elif tag in ("thead", "tbody"):
            self._in = None


def test_every_console_table_cell_carries_its_columns_name(app, demo):  # noqa: F811
    checked = 0
    for role, paths in _pages(demo).items():
        client = app.test_client()
        sign_in(client, demo["tokens"][role])
        for path in paths:
            parser = Tables()
            parser.feed(client.get(path).get_data(as_text=True))
            for table in parser.tables:
                for row in table["rows"]:
                    for n, label in enumerate(row):
                        header = table["headers"][n] if table["headers"] else None
                        if label == "(row header)" or header == "Action":
                            continue
                        assert label, (path, table["headers"], n)
                        assert header is None or label == header, (path, header, label)
                        checked += 1
    assert checked > 50  # the demo's participants, programs, roster, report, generations...
