"""Done when: an anonymous client paging through every leaf of the demo learns
no applicant's name, e-mail, portfolio, statement or decline reason."""

from __future__ import annotations

import base64

from api.demo import ARTISTS, DECLINED, load_demo
from ledger.leaf import _ENVELOPE_BYTES, _most_bytes, fits_surely, leaf_size
from ledger.personal import PROFILE
from transparency.follower import TreeBuilder


def test_no_leaf_of_the_demo_tells_an_anonymous_reader_anything_personal(client, system, settings):
    load_demo(system, echo=lambda _: None)
    head = TreeBuilder(system.log, system.db, settings).catch_up()
    people = system.people.many(
        row["person"] for row in system.db.fetchall("SELECT person FROM ledger_personal")
    )
    assert len(people) == len(ARTISTS + DECLINED)
    secrets = {name for name in ARTISTS + DECLINED} | {
        value
        for person in people.values()
        for value in (*person.profile().values(), *person.values.values())
        if isinstance(value, str)
    }
    secrets |= {name.split()[-1] for name in ARTISTS + DECLINED}  # given names alone too
    secrets.add("cohort full for this edition")  # the decline reason
    assert {p.profile()[f] for p in people.values() for f in PROFILE} <= secrets

    served = []
    for index in range(head.size):
        response = client.get(f"/v1/transparency/leaves/{index}")
        assert response.status_code == 200
        served.append(base64.b64decode(response.get_json()["leaf"]).decode("utf-8"))
        served.append(response.get_data(as_text=True))
    everything = "\n".join(served)
    assert [s for s in sorted(secrets) if s in everything] == []
    assert client.get(f"/v1/transparency/leaves/{head.size}").status_code == 404


def test_every_demo_event_is_within_the_bound_the_bus_trusts(system):
    """`check_leaf_size` skips building the leaf of an event `fits_surely`
    says is small: for every kind of event the demo stores, the bound is at
    least the leaf's real size."""
    load_demo(system, echo=lambda _: None)
    ledger = system.store.ledger
    notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
    kinds = set()
    for notification in notifications:
        event = ledger.mapper.to_domain_event(notification)
        kinds.add(type(event).__qualname__)
        bound = 2 * _most_bytes(event.__dict__) + _ENVELOPE_BYTES
        assert fits_surely(event) and leaf_size(event) <= bound, type(event).__qualname__
    assert len(kinds) >= 10
