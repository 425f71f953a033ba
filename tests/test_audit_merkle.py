"""The Merkle tree over the audit events: RFC 6962 roots, inclusion and consistency proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)


def events(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def reference_root(hashes: list[str]) -> str:
    """RFC 6962 §2.1 written out literally, to check the incremental builder against."""
    def mth(d: list[bytes]) -> bytes:
        if len(d) == 1:
            return d[0]
        k = 1
        while k * 2 < len(d):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()
    return mth([leaf_hash(h) for h in hashes]).hex() if hashes else EMPTY_ROOT


def test_roots_match_the_rfc_definition() -> None:
    for n in range(0, 70):
        assert tree_root(events(n)) == reference_root(events(n)), n


def test_a_known_two_leaf_root() -> None:
    a, b = events(2)
    expected = hashlib.sha256(b"\x01" + leaf_hash(a) + leaf_hash(b)).hexdigest()
    assert tree_root([a, b]) == expected


def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not() -> None:
    for n in range(1, 40):
        hashes = events(n)
        root = tree_root(hashes)
        for i in range(n):
            path = inclusion_proof(hashes, i)
            assert verify_inclusion(hashes[i], i, n, path, root), (n, i)
            assert not verify_inclusion(events(n + 1)[n], i, n, path, root)     # another event
            if path:
                bad = [("0" if path[0][0] != "0" else "1") + path[0][1:], *path[1:]]
                assert not verify_inclusion(hashes[i], i, n, bad, root)


def test_every_consistency_proof_verifies_and_a_rewritten_history_does_not() -> None:
    for n in range(1, 34):
        hashes = events(n)
        for m in range(1, n + 1):
            proof = consistency_proof(hashes, m)
            assert verify_consistency(m, n, tree_root(hashes[:m]), tree_root(hashes), proof), (m, n)
            if m < n:
                rewritten = ["f" * 64, *hashes[1:]]
                assert not verify_consistency(m, n, tree_root(rewritten[:m]), tree_root(hashes), proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_proofs_hold_for_any_size(n: int, data: st.DataObject) -> None:
    hashes = events(n)
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    root = tree_root(hashes)
    assert verify_inclusion(hashes[i], i, n, inclusion_proof(hashes, i), root)
    assert verify_consistency(m, n, tree_root(hashes[:m]), root, consistency_proof(hashes, m))


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(events(3), 3)
    with pytest.raises(ValueError):
        consistency_proof(events(3), 0)
    assert not verify_inclusion(events(1)[0], 5, 3, [], tree_root(events(3)))
