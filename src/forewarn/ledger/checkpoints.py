"""Where the last verification found the ledger intact, kept in a file beside the receipts,
so that the next ``forewarn ledger verify`` checks only what is new (see :mod:`.checking`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from forewarn.ledger.checking import Checkpoint


def checkpoint_path(receipts: Path) -> Path:
    """The checkpoint file kept beside the receipts file ``receipts``."""
    return receipts.with_suffix(".verified.json")


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint in ``path``; None when there is none or it is damaged (verify fully)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Checkpoint(
            str(data["ledger_id"]),
            int(data["seq"]),
            str(data["hash"]),
            str(data["full_at"]),
            None if data.get("signing_from") is None else int(data["signing_from"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_checkpoint(path: Path, checkpoint: Checkpoint | None) -> None:
    """Replace the checkpoint in ``path`` (atomically); None removes it."""
    if checkpoint is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n", "utf-8")
    os.replace(temporary, path)
