"""Aggregates of a residency program and the rules they keep.

Every public method is a command: it checks the rule (`check_*`, raising a
named `ledger.errors` class) and then triggers a past-tense event; class
methods (`Program.open`, `Work.declare`, ...) check before an aggregate is
created. The `@event` methods only apply state, so they stay correct on
replay.

Event classes are stored by topic (`module:Aggregate.Event`): renaming or
moving one is a storage migration. Events stored before issue 9 name the
module `ledger.domainmodel`; those topics stay registered here.
"""

from eventsourcing.utils import register_topic

from ledger.domain.participants import Application
from ledger.domain.programs import Program
from ledger.domain.works import Exhibition, Generation, Work

__all__ = ["Application", "Exhibition", "Generation", "Program", "Work"]

for _aggregate in (Program, Application, Generation, Work, Exhibition):
    register_topic(f"ledger.domainmodel:{_aggregate.__qualname__}", _aggregate)
