"""`python -m witness serve` (the same group `labledger witness` mounts)."""

from witness.cli import witness

witness(prog_name="python -m witness")
