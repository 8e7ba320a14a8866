"""A query string parses the same way every time: remember what it parsed to.

What a read's `location="query"` schema loads is a function of the query
string alone (its fields' validators look at the values, never at the store
or the clock; a schema with a computed default is parsed afresh), so a
worker keeps what each query string of each schema loaded to, and a
repeated read (`/v1/works?sha256=...` polled) skips webargs and
marshmallow. Only a successful parse of plain values is kept (a refused one
raises its 422 each time); each read gets its own copy, so a view may change
it. Bounded, least recently used first out; shared by a worker's threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from flask import request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser

MAX_QUERIES = 512
_PLAIN = (str, int, float, bool, type(None), date, datetime)  # immutable values


class QueryParser(FlaskParser):
    def __init__(self, max_queries: int = MAX_QUERIES) -> None:
        super().__init__()
        self.max_queries = max_queries
        self._parsed: OrderedDict[tuple[Schema, str, Any], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any):
        if location != "query" or not _pure(argmap) or kwargs.get("validate"):
            return super().parse(argmap, req, location=location, **kwargs)
        environ = (req if req is not None else request).environ
        key = (argmap, environ.get("QUERY_STRING", ""), kwargs.get("unknown"))
        with self._lock:
            known = self._parsed.get(key)
            if known is not None:
                self._parsed.move_to_end(key)
                return dict(known)
        data = super().parse(argmap, req, location=location, **kwargs)  # a 422 raises here
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            with self._lock:
                self._parsed[key] = dict(data)
                while len(self._parsed) > self.max_queries:
                    self._parsed.popitem(last=False)
        return data


def _pure(schema: Any) -> bool:
    """A schema instance whose every default is a constant."""
    return isinstance(schema, Schema) and not any(
        callable(field.load_default) for field in schema.fields.values()
    )
