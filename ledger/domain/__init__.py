"""Aggregates of a residency program and the rules they keep.

Every public method is a command: it checks the rule (`check_*`, raising a
named `ledger.errors` class) and then triggers a past-tense event; class
methods (`Program.open`, `Work.declare`, ...) check before an aggregate is
created. The `@event` methods only apply state, so they stay correct on
replay. No event holds personal data: a person is an id, and each personal
value a commitment (`ledger.personal`).

Event classes are stored by topic (`module:Aggregate.Event`): renaming or
moving one is a storage migration. (Events of format 1, stored before issue
10 with personal data inside, are not read at all: `ledger.schema` refuses
such a store.)
"""

from ledger.domain.participants import Application
from ledger.domain.programs import Program
from ledger.domain.works import Exhibition, Generation, Work

__all__ = ["Application", "Exhibition", "Generation", "Program", "Work"]
