"""The transparency log: an RFC 9162 Merkle tree over every event, signed
C2SP checkpoints, proofs and offline-verifiable ownership certificates.

Imports nothing: the light verifier modules (merkle, note, cosignature,
tiles, certificate, monitor, verify_cli) load without the server's packages.
"""
