"""Signed checkpoints of the audit chain: anchors the database's operators cannot move.

A checkpoint states "the log had SEQ events, the last one hashed HASH, and the
Merkle root of all of them was ROOT", signed with Ed25519 (`cryptography`). It is
written where the database's operators have no write access — a write-once
folder (an object-lock bucket mount, a WORM share), or standard output for a
log shipper — and `verify` later checks the database against every checkpoint:
a log truncated, emptied or rewritten up to a checkpoint no longer matches it.

    key = load_signing_key(environ)                  # STEWARD_AUDIT_SIGNING_KEY[_FILE]
    cp = await make_checkpoint(db, key, clock.now())
    path = write_checkpoint(cp, folder)              # write-once: never overwrites a file
    public = public_key_text(key)                    # give this to auditors
    checkpoints = read_checkpoints(folder)

Key formats: a PEM private key (PKCS#8, as `steward audit keygen` writes) or the
32 raw key bytes in base64. The public key is PEM (SubjectPublicKeyInfo) or
base64 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlmodel import col

from bot.audit.merkle import TreeBuilder
from bot.clock import as_utc
from bot.store.database import Database
from bot.store.tables import METADATA, AuditHead

FORMAT = "steward-checkpoint/1"
KEY_ENV = "STEWARD_AUDIT_SIGNING_KEY"
KEY_FILE_ENV = "STEWARD_AUDIT_SIGNING_KEY_FILE"
PUBLIC_KEY_ENV = "STEWARD_AUDIT_PUBLIC_KEY"
DIR_ENV = "STEWARD_AUDIT_CHECKPOINT_DIR"


class SigningKeyError(ValueError):
    """A signing or public key that cannot be used; the message says why (never the key)."""


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read or written."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    root: str
    at: str
    key_id: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "root": self.root, "at": self.at,
                "key_id": self.key_id}

    def signed_bytes(self) -> bytes:
        return json.dumps(self.body(), sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps({**self.body(), "signature": self.signature}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise CheckpointError(f"not a {FORMAT} checkpoint")
            seq = data["seq"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
                raise CheckpointError("its seq is not a whole number")
            return cls(seq=seq, hash=str(data["hash"]), root=str(data["root"]), at=str(data["at"]),
                       key_id=str(data["key_id"]), signature=str(data["signature"]))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise CheckpointError(f"not a checkpoint ({type(exc).__name__})") from None


# --- keys -------------------------------------------------------------------------------------


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def parse_private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    data = data.strip()
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise SigningKeyError(f"{source} is not an Ed25519 private key (PEM or 32 bytes in base64)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{source} is not an Ed25519 key")
    return key


def parse_public_key(data: bytes, source: str) -> Ed25519PublicKey:
    data = data.strip()
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, binascii.Error):
        raise SigningKeyError(f"{source} is not an Ed25519 public key (PEM or 32 bytes in base64)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{source} is not an Ed25519 key")
    return key


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the {what} file {path}: {exc.strerror}") from None


def load_signing_key(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Ed25519PrivateKey | None:
    """The signing key from `path`, else STEWARD_AUDIT_SIGNING_KEY_FILE, else STEWARD_AUDIT_SIGNING_KEY."""
    env = os.environ if environ is None else environ
    if path is not None:
        return parse_private_key(_read_key_file(path, "signing key"), str(path))
    file = env.get("STEWARD_AUDIT_SIGNING_KEY_FILE", "").strip()
    if file:
        return parse_private_key(_read_key_file(Path(file), "signing key"), KEY_FILE_ENV)
    inline = env.get("STEWARD_AUDIT_SIGNING_KEY", "").strip()
    if inline:
        return parse_private_key(inline.encode(), KEY_ENV)
    return None


def load_public_key(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Ed25519PublicKey | None:
    """The auditor's public key: `path`, else STEWARD_AUDIT_PUBLIC_KEY, else derived from the signing key."""
    env = os.environ if environ is None else environ
    if path is not None:
        return parse_public_key(_read_key_file(path, "public key"), str(path))
    public = env.get("STEWARD_AUDIT_PUBLIC_KEY", "").strip()
    if public:
        return parse_public_key(public.encode(), PUBLIC_KEY_ENV)
    private = load_signing_key(env)
    return private.public_key() if private is not None else None


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


# --- making, signing, checking ------------------------------------------------------------------


async def chain_state(db: Database) -> tuple[int, str, str]:
    """(seq, hash, Merkle root) of the log as it stands, read in one snapshot."""
    builder = TreeBuilder()
    t = METADATA.tables["audit_event"]
    last = (0, "0" * 64)
    async with db.reading() as session:
        head = (await session.execute(select(col(AuditHead.seq)))).scalar_one_or_none() or 0
        conn = await session.connection()
        async for chunk in db.chunks(conn, select(t.c.seq, t.c.hash).where(t.c.seq <= head).order_by(t.c.seq)):
            for _seq, digest in chunk:
                builder.add(digest)
            if chunk:
                last = (chunk[-1][0], chunk[-1][1])
    return last[0], last[1], builder.root()


def sign(key: Ed25519PrivateKey, seq: int, digest: str, root: str, at: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq=seq, hash=digest, root=root, at=as_utc(at).isoformat(), key_id=key_id(key.public_key()))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
    return Checkpoint(seq=seq, hash=digest, root=root, at=unsigned.at, key_id=unsigned.key_id, signature=signature)


async def make_checkpoint(db: Database, key: Ed25519PrivateKey, at: datetime) -> Checkpoint:
    seq, digest, root = await chain_state(db)
    return sign(key, seq, digest, root, at)


def signature_ok(cp: Checkpoint, public: Ed25519PublicKey) -> bool:
    try:
        public.verify(base64.b64decode(cp.signature, validate=True), cp.signed_bytes())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return cp.key_id == key_id(public)


# --- files ------------------------------------------------------------------------------------


def checkpoint_name(cp: Checkpoint) -> str:
    return f"checkpoint-{cp.seq:015d}-{cp.hash[:16]}.json"


def write_checkpoint(cp: Checkpoint, folder: Path) -> Path:
    """Write `cp` into `folder` as a new read-only file. An existing file is never overwritten:
    the same checkpoint again is a no-op, a different one under the same name is an error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CheckpointError(f"cannot create the checkpoint folder {folder}: {exc.strerror}") from None
    path = folder / checkpoint_name(cp)
    data = cp.to_json() + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    except FileExistsError:
        try:
            existing = Checkpoint.from_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CheckpointError):
            raise CheckpointError(f"{path} exists and is not a checkpoint; it was left as it is") from None
        if (existing.seq, existing.hash, existing.root) != (cp.seq, cp.hash, cp.root):
            raise CheckpointError(f"{path} already holds a different checkpoint for #{cp.seq}: "
                                  "the log was rewritten since it was written") from None
        return path
    except OSError as exc:
        raise CheckpointError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return path


@dataclass(frozen=True, slots=True)
class LoadedCheckpoint:
    source: str
    checkpoint: Checkpoint | None
    error: str = ""


def read_checkpoints(folder: Path) -> list[LoadedCheckpoint]:
    """Every checkpoint-*.json in `folder`, oldest first; unreadable ones carry the reason."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a folder of checkpoints")
    out: list[LoadedCheckpoint] = []
    for path in sorted(folder.glob("checkpoint-*.json")):
        try:
            out.append(LoadedCheckpoint(path.name, Checkpoint.from_json(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError) as exc:
            out.append(LoadedCheckpoint(path.name, None, f"cannot be read ({type(exc).__name__})"))
        except CheckpointError as exc:
            out.append(LoadedCheckpoint(path.name, None, str(exc)))
    return out


def anchors_from(loaded: list[LoadedCheckpoint], public: Ed25519PublicKey) -> tuple[list[Any], list[str]]:
    """The anchors of every checkpoint whose signature verifies, and a problem for each that does not."""
    from bot.audit.chain import Anchor

    anchors: list[Any] = []
    problems: list[str] = []
    for item in loaded:
        if item.checkpoint is None:
            problems.append(f"checkpoint {item.source} {item.error}")
        elif not signature_ok(item.checkpoint, public):
            problems.append(f"checkpoint {item.source} is not signed by the audit key "
                            f"(key {key_id(public)}): it was forged or altered")
        else:
            cp = item.checkpoint
            anchors.append(Anchor(cp.seq, cp.hash, f"checkpoint {item.source}", cp.root))
    return anchors, problems
