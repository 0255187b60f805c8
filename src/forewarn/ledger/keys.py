"""Ed25519 keys: each writer installation signs the entries it appends.

An installation's private key lives in ``<data folder>/ledger-key.pem`` (PKCS #8, created
with mode 0600 on first use, never printed); its public key (64 hex characters) names it in
every entry it signs and in the ``key.registered`` entry that records it in the ledger.

Registering a key in the ledger does not make it trusted: anyone who can write the
database could register a key of their own. Trust comes from outside the database (see
:func:`trust_roots`): the verifying installation's own key, the keys listed in a
trusted-keys file, and the keys listed by an anchor signed with a trusted key.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forewarn.errors import ConfigError, DataError

KEY_FILE = "ledger-key.pem"
HEX_KEY = re.compile(r"[0-9a-f]{64}")


def key_path(data_dir: Path) -> Path:
    """Where the installation whose data folder is ``data_dir`` keeps its private key."""
    return data_dir / KEY_FILE


@dataclass(frozen=True)
class Signer:
    """An installation's private key and its public key as 64 hex characters."""

    private: Ed25519PrivateKey
    public: str

    def sign(self, message: bytes) -> str:
        """The Ed25519 signature of ``message``, as 128 hex characters."""
        return self.private.sign(message).hex()

    def __repr__(self) -> str:  # never show the private key
        return f"Signer(public={self.public!r})"


def _public_hex(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return raw.hex()


def _read(path: Path) -> Signer:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"ledger key {path}: readable or writable by others (mode {mode:o}); "
            "restrict it with chmod 600"
        )
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise ConfigError(f"ledger key {path}: not a PEM private key") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"ledger key {path}: not an Ed25519 key")
    return Signer(private, _public_hex(private))


def _create(path: Path) -> None:
    """Write a new key to ``path`` unless another process got there first.

    The key is written to a private temporary file and linked into place, so that no reader
    ever sees a partly written key and two processes starting at once agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def installation_key(path: Path) -> Signer:
    """The private key at ``path``, created (mode 0600) if there is none yet."""
    if not path.exists():
        _create(path)
    return _read(path)


def existing_key(path: Path) -> Signer | None:
    """The private key at ``path``, or None when there is none (verifying never creates one)."""
    return _read(path) if path.exists() else None


def signature_ok(public: str, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (hex) is the Ed25519 signature of ``message`` by ``public`` (hex)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        key.verify(bytes.fromhex(signature), message)
    except (ValueError, InvalidSignature):
        return False
    return True


# --- which key an engine signs with -----------------------------------------------------------


class KeyFile:
    """A signing key loaded from its file on first use (and created then if need be)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    def signer(self) -> Signer:
        if self._signer is None:
            with self._lock:
                if self._signer is None:
                    self._signer = installation_key(self.path)
        return self._signer


_KEYS: weakref.WeakKeyDictionary[Engine, KeyFile] = weakref.WeakKeyDictionary()


def sign_with(engine: Engine, key: KeyFile) -> Engine:
    """Make every append through ``engine`` signed with ``key``; returns the engine."""
    _KEYS[engine] = key
    return engine


def signer_for(session: Session) -> Signer:
    """The key that appends through ``session``'s engine are signed with."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = _KEYS.get(engine)
    if key is None:
        raise DataError(
            "no ledger signing key is attached to this database engine "
            "(open it with forewarn.store.db.open_database, or use forewarn.ledger.sign_with)"
        )
    return key.signer()


# --- trust ------------------------------------------------------------------------------------


def read_trusted(path: Path) -> dict[str, str]:
    """The keys listed in a trusted-keys file: ``<64 hex> [label]`` per line, ``#`` comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"trusted keys {path}: cannot be read ({exc.strerror})") from None
    keys: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        key, _, label = text.partition(" ")
        key = key.lower()
        if not HEX_KEY.fullmatch(key):
            raise ConfigError(
                f"trusted keys {path}: line {number}: not a public key (64 hex characters)"
            )
        keys[key] = label.strip() or f"listed in {path.name}"
    return keys


def trust_roots(data_dir: Path, files: tuple[Path, ...] = ()) -> dict[str, str]:
    """The keys trusted from outside the database, each with why: this installation's own
    key (when it has one) and the keys listed in the trusted-keys ``files``."""
    roots: dict[str, str] = {}
    for path in files:
        roots.update(read_trusted(path))
    own = existing_key(key_path(data_dir))
    if own is not None:
        roots[own.public] = "this installation"
    return roots
