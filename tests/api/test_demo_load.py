"""`serve --demo` and `demo load` load the demo into an empty store only, and
a second loader that saw the store empty at the same moment as the first
(two `serve --demo` started together) loads nothing and says the store is
not empty, instead of failing on the demo program's slug."""

from __future__ import annotations

from api.demo import SLUG, load_if_empty


def test_the_demo_loads_into_an_empty_store_only(system):
    assert load_if_empty(system, echo=lambda _: None) is True
    head = system.log.head()
    assert system.store.ledger.get_program(SLUG).seats_used == 21
    assert load_if_empty(system, echo=lambda _: None) is False
    assert system.log.head() == head


def test_a_loader_that_saw_the_store_empty_as_another_filled_it_loads_nothing(system, monkeypatch):
    load_if_empty(system, echo=lambda _: None)  # the other process, first
    head = system.log.head()
    printed: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(type(system.log), "head", lambda self: 0)  # what this one saw
        assert load_if_empty(system, echo=printed.append) is False
    assert system.log.head() == head  # nothing of the second loader was written
    assert printed == []  # and it printed no tokens
