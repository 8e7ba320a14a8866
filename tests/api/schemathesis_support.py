"""What the schemathesis tests share: the operations of the served
/openapi.json, requests aimed at known records, and a derandomised run of a
fixed number of examples (the same requests on every machine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode


def operations(app: Any) -> Iterator[Any]:
    """Every operation of the app's served document."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    for result in schema.get_all_operations():
        yield result.ok()


def aimed(operation: Any, known: dict[str, Any], mode: GenerationMode) -> Any:
    """Cases whose path (and required query) parameters name records that
    exist, where known."""
    ids = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
    query = {p.name: known[p.name] for p in operation.query if p.name in known and p.is_required}
    return operation.as_strategy(mode, path_parameters=ids, **({"query": query} if query else {}))


def run_examples(strategy: Any, examples: int, check: Callable[[Any, Any], None]) -> None:
    """`check(case, data)` for `examples` derandomised cases of `strategy`."""

    @given(case=strategy, data=st.data())
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: Any, data: Any) -> None:
        check(case, data)

    run()
