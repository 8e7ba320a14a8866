"""A C2SP tlog-witness: cosigns a log's checkpoints once it has checked that each
is consistent with the last one it cosigned for that log.

An adapter like `api/`: it may use Flask, and uses only the light
verification modules of `transparency` (notes, proofs, cosignatures).
"""
