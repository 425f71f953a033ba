"""A Merkle tree over the audit events, as in Certificate Transparency (RFC 6962 / RFC 9162 §2.1).

The leaves are the events' chain hashes in sequence order. With the tree's root
signed in a checkpoint, an auditor can be shown that one event is in the log
(`inclusion_proof`) and that a later log only grew from an earlier one
(`consistency_proof`) without receiving the whole log.

    root = tree_root(leaves)                           # leaves: event hashes (hex), in order
    path = inclusion_proof(leaves, index)              # index 0 is event #1
    ok = verify_inclusion(leaf, index, size, path, root)
    proof = consistency_proof(leaves, old_size)
    ok = verify_consistency(old_size, new_size, old_root, new_root, proof)

Hashes are hex strings on the outside, bytes inside.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(event_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class TreeBuilder:
    """The root of a growing tree in O(log n) memory: one perfect subtree per set bit of the size."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []        # roots of perfect subtrees, largest first

    def add(self, event_hash: str) -> None:
        node = leaf_hash(event_hash)
        self.size += 1
        n = self.size
        while n % 2 == 0:                    # merge equal-sized subtrees, like a binary carry
            node = _node(self._stack.pop(), node)
            n //= 2
        self._stack.append(node)

    def root(self) -> str:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = _node(left, node)
        return node.hex()


def tree_root(event_hashes: Iterable[str]) -> str:
    builder = TreeBuilder()
    for h in event_hashes:
        builder.add(h)
    return builder.root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(_mth(leaves[:k]), _mth(leaves[k:]))


def inclusion_proof(event_hashes: Sequence[str], index: int) -> list[str]:
    """The audit path of leaf `index` (0-based) in the tree of all `event_hashes`."""
    if not 0 <= index < len(event_hashes):
        raise ValueError(f"leaf {index} is not in a tree of {len(event_hashes)}")
    leaves = [leaf_hash(h) for h in event_hashes]

    def path(m: int, d: Sequence[bytes]) -> list[bytes]:
        if len(d) == 1:
            return []
        k = _split(len(d))
        if m < k:
            return [*path(m, d[:k]), _mth(d[k:])]
        return [*path(m - k, d[k:]), _mth(d[:k])]

    return [h.hex() for h in path(index, leaves)]


def consistency_proof(event_hashes: Sequence[str], old_size: int) -> list[str]:
    """Proof that the tree of the first `old_size` leaves is a prefix of the tree of them all."""
    n = len(event_hashes)
    if not 0 < old_size <= n:
        raise ValueError(f"an old size of {old_size} does not fit a tree of {n}")
    leaves = [leaf_hash(h) for h in event_hashes]

    def subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
        if m == len(d):
            return [] if complete else [_mth(d)]
        k = _split(len(d))
        if m <= k:
            return [*subproof(m, d[:k], complete), _mth(d[k:])]
        return [*subproof(m - k, d[k:], False), _mth(d[:k])]

    return [h.hex() for h in subproof(old_size, leaves, True)]


def verify_inclusion(event_hash: str, index: int, size: int, path: Sequence[str], root: str) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(event_hash)
    for p_hex in path:
        p = bytes.fromhex(p_hex)
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r.hex() == root


def verify_consistency(old_size: int, new_size: int, old_root: str, new_root: str, proof: Sequence[str]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old_size == new_size:
        return old_root == new_root and not proof
    if not 0 < old_size < new_size or not proof:
        return False
    nodes = [bytes.fromhex(p) for p in proof]
    if old_size & (old_size - 1) == 0:      # a power of two: the old root is the first node
        nodes.insert(0, bytes.fromhex(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr.hex() == old_root and sr.hex() == new_root and sn == 0
