"""The ledger: the hash formula, tampering of every kind detected, and outside verification."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.errors import DataError
from forewarn.ledger.chain import link
from forewarn.response import clock
from forewarn.response.actions import Decision, Verb, decide
from forewarn.response.ladder import Ladder, Roles
from forewarn.store.db import alembic_config, open_database
from forewarn.store.tables import LedgerHeadRow, LedgerRow

from .conftest import MONDAY, REPO, SQLITE_ONLY, AlertMaker, CliResult, insert_alerts, raw_sql

Cli = Callable[..., CliResult]


@SQLITE_ONLY
def test_entries_hash_and_sign_as_documented(engine: Engine, db_settings: Settings) -> None:
    with ledger.write_transaction(engine) as session:
        first = ledger.append(session, "note", "case:1", {"b": [1, 2.5], "a": "Ñ ü"}, "amara")
        second = ledger.append(session, "note", "case:1", {"z": None}, "bao")
    path = ledger.key_path(db_settings.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = ledger.installation_key(path).public
    with Session(engine) as session:
        (registered,) = ledger.entries_about(session, f"key:{key}")
        head = ledger.read_head(session)
    # the first append by an installation records its public key, signed by it
    assert (registered.seq, registered.kind, registered.key) == (1, "key.registered", key)
    assert registered.payload["public_key"] == key
    body = (
        '{"actor":"amara","at":"' + first.at + '","key":"' + key + '","kind":"note",'
        '"payload":{"a":"Ñ ü","b":[1,2.5]},"prev":"' + registered.hash + '","seq":2,'
        '"subject":"case:1"}'
    )
    assert first.hash == hashlib.sha256(body.encode("utf-8")).hexdigest()
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key))
    public.verify(bytes.fromhex(first.sig or ""), bytes.fromhex(first.hash))
    assert (second.seq, second.prev, second.key) == (3, first.hash, key)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", first.at)
    assert head is not None and (head.count, head.hash, head.signed_from) == (3, second.hash, 1)


def test_a_rolled_back_append_leaves_no_entry(engine: Engine) -> None:
    with pytest.raises(RuntimeError), ledger.write_transaction(engine) as session:
        ledger.append(session, "note", "case:1", {}, "amara")
        raise RuntimeError("the caller's transaction fails")
    assert ledger.verify(engine, []).checked == 0
    with ledger.write_transaction(engine) as session:
        assert ledger.append(session, "note", "case:1", {}, "amara").seq == 2  # 1: the key


@SQLITE_ONLY
def test_payloads_must_be_plain_json(engine: Engine) -> None:
    with pytest.raises(ValueError), ledger.write_transaction(engine) as session:
        ledger.append(session, "note", "case:1", {"x": float("nan")}, "amara")
    with pytest.raises(ValueError), ledger.write_transaction(engine) as session:
        ledger.append(session, "note", "", {}, "amara")


# --- tampering ----------------------------------------------------------------------------------


@pytest.fixture
def history(
    engine: Engine, ladder: Ladder, roles: Roles, raise_alert: AlertMaker, db_settings: Settings
) -> int:
    """A ledger written as the commands write it, receipts included; returns its entry count."""
    receipts = ledger.receipts_path(db_settings.data_dir, db_settings.resolved_database_url())
    raise_alert(level="warning")
    raise_alert(level="watch", iso3="MMR")
    clock.tick(engine, ladder, MONDAY)
    ledger.record_receipt(engine, receipts)
    ack = Decision(Verb.ACK, "amara", MONDAY + dt.timedelta(days=1))
    ledger.retrying(engine, lambda s: decide(s, ladder, roles, 1, ack))
    ledger.record_receipt(engine, receipts)
    clock.tick(engine, ladder, MONDAY + dt.timedelta(days=9))
    ledger.record_receipt(engine, receipts)
    trusted = ledger.trust_roots(db_settings.data_dir)
    verified = ledger.verify(engine, ledger.read_receipts(receipts), trusted=trusted)
    assert verified.ok and verified.receipts == 4, verified.problem  # the first: empty ledger
    assert verified.checked == 23 and verified.unsigned == 0  # entry 1 registers the key
    return verified.checked


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rows(engine: Engine) -> list[LedgerRow]:
    with Session(engine) as session:
        return list(session.scalars(select(LedgerRow).order_by(LedgerRow.seq)))


def _forged(
    prev: LedgerRow, seq: int, signer: ledger.Signer | None = None
) -> tuple[str, LedgerRow]:
    """An INSERT of a well-formed entry after ``prev`` (hash recomputed as the docs explain,
    signed when the forger holds a ``signer`` key), and the row it inserts."""
    doc = {
        "seq": seq,
        "kind": "action.done",
        "subject": "action:1",
        "payload": {"outcome": "risk not confirmed"},
        "actor": "amara",
        "at": prev.recorded_at,
        "prev": prev.hash,
    }
    if signer is not None:
        doc["key"] = signer.public
    row = LedgerRow(seq=seq, recorded_at=prev.recorded_at, hash=ledger.entry_hash(doc))
    texts = (doc["kind"], doc["subject"], ledger.canonical(doc["payload"]), doc["actor"])
    values = [str(seq), *map(_quote, texts), _quote(doc["at"]), _quote(prev.hash)]
    values.append(_quote(row.hash))
    columns = "seq, kind, subject, payload, actor, recorded_at, prev_hash, hash"
    if signer is not None:
        columns += ", signer, signature"
        values += [_quote(signer.public), _quote(signer.sign(bytes.fromhex(row.hash)))]
    return f"INSERT INTO ledger ({columns}) VALUES ({', '.join(values)})", row


def _verify_fails(cli: Cli, entry: int, words: str) -> None:
    result = cli("ledger", "verify")
    assert result.exit_code == 1, result.stdout
    assert f"at entry {entry}:" in result.stderr
    assert words in result.stderr


def test_untouched_ledger_verifies(cli: Cli, history: int) -> None:
    result = cli("ledger", "verify")
    assert result.exit_code == 0
    assert f"ledger intact: {history} entries" in result.stdout


def test_changed_field_is_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(database_url, "UPDATE ledger SET actor = 'someone else' WHERE seq = 5")
    _verify_fails(cli, 5, "does not match its hash")


@SQLITE_ONLY
def test_changed_payload_is_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(
        database_url, "UPDATE ledger SET payload = replace(payload, 'open', 'done') WHERE seq = 3"
    )
    _verify_fails(cli, 3, "does not match its hash")


@SQLITE_ONLY
def test_deleted_middle_entry_is_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(database_url, "DELETE FROM ledger WHERE seq = 7")
    _verify_fails(cli, 7, "entry 7 is missing")


def test_deleted_newest_entries_are_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(database_url, f"DELETE FROM ledger WHERE seq > {history - 3}")
    _verify_fails(cli, history - 2, f"the head records {history}")


def test_truncation_with_a_matching_head_is_caught_by_the_receipts(
    cli: Cli, history: int, database_url: str
) -> None:
    keep = history - 3
    raw_sql(
        database_url,
        f"DELETE FROM ledger WHERE seq > {keep}",
        f"UPDATE ledger_head SET count = {keep}, "
        f"last_hash = (SELECT hash FROM ledger WHERE seq = {keep})",
    )
    _verify_fails(cli, keep + 1, "a receipt of")


@SQLITE_ONLY
def test_swapped_entries_are_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(
        database_url,
        "UPDATE ledger SET seq = -4 WHERE seq = 4",
        "UPDATE ledger SET seq = 4 WHERE seq = 9",
        "UPDATE ledger SET seq = 9 WHERE seq = -4",
    )
    _verify_fails(cli, 4, "does not match its hash")


def test_forged_entry_appended_with_recomputed_hash_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine
) -> None:
    last = _rows(engine)[-1]
    raw_sql(database_url, _forged(last, history + 1)[0])
    _verify_fails(cli, history + 1, "lies beyond the head")


@SQLITE_ONLY
def test_forged_entry_replacing_one_in_the_middle_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine
) -> None:
    rows = _rows(engine)
    raw_sql(database_url, "DELETE FROM ledger WHERE seq = 6", _forged(rows[4], 6)[0])
    _verify_fails(cli, 6, "is not signed")


def test_rewritten_history_with_a_matching_head_is_caught_by_the_receipts(
    cli: Cli, history: int, database_url: str, engine: Engine, db_settings: Settings
) -> None:
    # the last two entries replaced by forgeries, chained, hashed and even signed right (by
    # someone holding this installation's key), the head updated
    insider = ledger.installation_key(ledger.key_path(db_settings.data_dir))
    prev = _rows(engine)[history - 3]
    statements = [f"DELETE FROM ledger WHERE seq >= {history - 1}"]
    for seq in (history - 1, history):
        insert, prev = _forged(prev, seq, insider)
        statements.append(insert)
    statements.append(f"UPDATE ledger_head SET last_hash = {_quote(prev.hash)}")
    raw_sql(database_url, *statements)
    _verify_fails(cli, history, "differs from the receipt")


@SQLITE_ONLY
def test_a_replaced_database_is_detected(cli: Cli, history: int, database_url: str) -> None:
    raw_sql(
        database_url,
        "DELETE FROM ledger",
        f"UPDATE ledger_head SET ledger_id = 'ffff', count = 0, last_hash = {_quote('0' * 64)}",
    )
    result = cli("ledger", "verify")
    assert result.exit_code == 1
    assert "database replaced" in result.stderr


def test_receipts_tolerate_a_torn_last_line_only(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    good = '{"at":"t","count":1,"hash":"h","ledger_id":"l"}'
    path.write_text(good + "\n" + '{"at":"t","cou', "utf-8")
    assert [r.count for r in ledger.read_receipts(path)] == [1]
    path.write_text('{"at":"t","cou\n' + good + "\n", "utf-8")
    with pytest.raises(DataError, match="line 1"):
        ledger.read_receipts(path)


def test_an_append_after_a_torn_line_cuts_it_off(
    cli: Cli, history: int, engine: Engine, db_settings: Settings
) -> None:
    """A receipt torn by a full disk, then more work: the next append repairs the file."""
    receipts = ledger.receipts_path(db_settings.data_dir, db_settings.resolved_database_url())
    whole = receipts.read_bytes()
    receipts.write_bytes(whole + b'{"at":"2025-03-12T09:00:00Z","cou')  # a torn receipt
    with ledger.write_transaction(engine) as session:  # the next command that appends
        ledger.append(session, "note", "case:1", {"after": "a full disk"}, "amara")
    ledger.record_receipt(engine, receipts)
    lines = receipts.read_bytes().splitlines(keepends=True)
    assert b"".join(lines[:-1]) == whole and lines[-1].endswith(b"}\n")
    assert json.loads(lines[-1])["count"] == history + 1
    result = cli("ledger", "verify", "--full")
    assert result.exit_code == 0, result.stderr
    assert f"ledger intact: {history + 1} entries" in result.stdout


_APPEND = """
import resource, sys
from pathlib import Path
from forewarn.ledger.receipts import append_line
path = Path(sys.argv[1])
limit = path.stat().st_size + int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    append_line(path, sys.argv[3])
except OSError as exc:
    sys.exit(f"refused: {exc.strerror}")
"""


def _append_with_room(path: Path, room: int, text: str) -> subprocess.CompletedProcess[str]:
    """``append_line`` in a process that may grow files by only ``room`` bytes (the kernel
    refuses the rest of the write, as a full disk would)."""
    return subprocess.run(
        [sys.executable, "-c", _APPEND, str(path), str(room), text],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_receipt_the_disk_cannot_hold_is_not_left_half_written(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    good = '{"at":"t","count":1,"hash":"h","ledger_id":"l"}'
    path.write_text(good + "\n", "utf-8")
    later = '{"at":"u","count":2,"hash":"i","ledger_id":"l"}'
    cut = _append_with_room(path, 20, later)  # 20 bytes fit, the rest does not
    assert cut.returncode == 1 and "refused: File too large" in cut.stderr
    assert path.read_text("utf-8") == good + "\n"  # the 20 bytes taken back
    fits = _append_with_room(path, 1000, later)
    assert fits.returncode == 0, fits.stderr
    assert [r.count for r in ledger.read_receipts(path)] == [1, 2]


def test_appends_from_many_processes_stay_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    line = '{"at":"t","count":%d,"hash":"h","ledger_id":"l"}'
    script = (
        "import sys; from pathlib import Path; from forewarn.ledger.receipts import append_line\n"
        "for n in range(200): append_line(Path(sys.argv[1]), sys.argv[2] % n)"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path), line])
               for _ in range(4)]  # fmt: skip
    assert [w.wait(120) for w in writers] == [0, 0, 0, 0]
    counts = sorted(r.count for r in ledger.read_receipts(path))
    assert counts == sorted(list(range(200)) * 4)


# --- outside verification -----------------------------------------------------------------------


# --- the blind spots closed: a forged tail, lost receipts ---------------------------------------


def _append_forged_tail(database_url: str, engine: Engine, history: int, n: int = 2) -> None:
    """Well-formed entries appended at the end, hash recomputed, the head moved to match:
    what someone with write access to the database alone can do."""
    prev = _rows(engine)[-1]
    statements = []
    for seq in range(history + 1, history + n + 1):
        insert, prev = _forged(prev, seq)
        statements.append(insert)
    statements.append(
        f"UPDATE ledger_head SET count = {history + n}, last_hash = {_quote(prev.hash)}"
    )
    raw_sql(database_url, *statements)


def test_a_forged_tail_with_a_matching_head_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine
) -> None:
    _append_forged_tail(database_url, engine, history)
    _verify_fails(cli, history + 1, "not signed")


def _remove_receipts(settings: Settings) -> None:
    ledger.receipts_path(settings.data_dir, settings.resolved_database_url()).unlink()


def test_a_rewrite_after_the_receipts_are_removed_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine, db_settings: Settings
) -> None:
    _remove_receipts(db_settings)
    prev = _rows(engine)[history - 3]
    statements = [f"DELETE FROM ledger WHERE seq >= {history - 1}"]
    for seq in (history - 1, history):
        insert, prev = _forged(prev, seq)
        statements.append(insert)
    statements.append(f"UPDATE ledger_head SET last_hash = {_quote(prev.hash)}")
    raw_sql(database_url, *statements)
    _verify_fails(cli, history - 1, "is not signed")
    waived = cli("ledger", "verify", "--without-receipts")
    assert waived.exit_code == 1, waived.stdout
    assert f"at entry {history - 1}:" in waived.stderr and "not signed" in waived.stderr


def test_a_truncation_after_the_receipts_are_removed_is_detected(
    cli: Cli, history: int, database_url: str, db_settings: Settings
) -> None:
    _remove_receipts(db_settings)
    keep = history - 3
    raw_sql(
        database_url,
        f"DELETE FROM ledger WHERE seq > {keep}",
        f"UPDATE ledger_head SET count = {keep}, "
        f"last_hash = (SELECT hash FROM ledger WHERE seq = {keep})",
    )
    result = cli("ledger", "verify")
    assert result.exit_code == 1, result.stdout
    assert "no receipt of this ledger's head" in result.stderr
    assert "--without-receipts" in result.stderr
    assert cli("ledger", "verify", "--without-receipts").exit_code == 0


# --- outside verification -----------------------------------------------------------------------


def _snippet() -> str:
    text = (REPO / "docs" / "ledger.md").read_text("utf-8")
    match = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/ledger.md lost its verification snippet"
    return match.group(1)


@dataclass(frozen=True)
class Outside:
    """The documented outside check, saved as a script, and what it is given."""

    script: Path
    export: Path
    anchor: Path
    publisher: str

    def run(
        self, export: Path | None = None, anchor: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        args = [str(export or self.export), str(anchor or self.anchor), self.publisher]
        return subprocess.run(
            [sys.executable, str(self.script), *args], capture_output=True, text=True, timeout=60
        )


@pytest.fixture
def outside(cli: Cli, history: int, tmp_path: Path) -> Outside:
    """An export and an anchor made by the commands, and the publisher's key as published."""
    snippet = _snippet()
    assert len(snippet.strip().splitlines()) <= 45
    imports = set(re.findall(r"^(?:from \S+ )?import (.*)$", snippet, re.M))
    assert imports == {"hashlib, json, sys", "InvalidSignature", "Ed25519PublicKey"}
    script = tmp_path / "verify_ledger.py"
    script.write_text(snippet, "utf-8")
    export, anchor = tmp_path / "ledger.jsonl", tmp_path / "anchor.json"
    result = cli("ledger", "export", "--out", str(export))
    assert result.exit_code == 0 and f"exported {history} entries" in result.stderr
    made = cli("ledger", "anchor", "--out", str(anchor))
    assert made.exit_code == 0, made.stderr
    published = cli("ledger", "keys", "--trusted-file").stdout.splitlines()
    (publisher,) = [line.split()[0] for line in published if line.endswith("this installation")]
    return Outside(script, export, anchor, publisher)


def test_the_documented_snippet_verifies_an_export_and_an_anchor(
    cli: Cli, history: int, outside: Outside
) -> None:
    head = json.loads(cli("ledger", "head", "--json").stdout)
    run = outside.run()
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        f"{history} entries intact, 0 unsigned; anchor of entry {history} agrees; "
        f"head {head['hash']}"
    )
    lines = outside.export.read_text("utf-8").splitlines()
    lines[9] = lines[9].replace('"actor":"forewarn-clock"', '"actor":"someone else"')
    assert lines[9] != outside.export.read_text("utf-8").splitlines()[9]
    edited = outside.export.with_name("edited.jsonl")
    edited.write_text("\n".join(lines) + "\n", "utf-8")
    run = outside.run(export=edited)
    assert run.returncode == 1 and "entry 10: the content does not match" in run.stderr
    truncated = outside.export.with_name("truncated.jsonl")
    truncated.write_text("\n".join(lines[:5]) + "\n", "utf-8")
    run = outside.run(export=truncated)
    assert run.returncode == 1 and f"entry {history}: missing" in run.stderr


def _own_key_tail(database_url: str, engine: Engine, history: int) -> ledger.Signer:
    """The attacker's key registered in the ledger, and a forged tail signed with it."""
    attacker = ledger.Signer(Ed25519PrivateKey.generate(), "")
    attacker = ledger.Signer(attacker.private, _public_hex(attacker.private))
    prev = _rows(engine)[-1]
    registration = LedgerRow(seq=history + 1)
    doc = {
        "seq": history + 1,
        "kind": "key.registered",
        "subject": f"key:{attacker.public}",
        "payload": {"algorithm": "Ed25519", "public_key": attacker.public, "host": "x"},
        "actor": "forewarn-ledger",
        "at": prev.recorded_at,
        "prev": prev.hash,
        "key": attacker.public,
    }
    registration.hash = ledger.entry_hash(doc)
    registration.recorded_at = prev.recorded_at
    values = [str(history + 1), *map(_quote, (doc["kind"], doc["subject"]))]
    values += [_quote(ledger.canonical(doc["payload"])), _quote(doc["actor"]), _quote(doc["at"])]
    values += [_quote(prev.hash), _quote(registration.hash), _quote(attacker.public)]
    values.append(_quote(attacker.sign(bytes.fromhex(registration.hash))))
    columns = "seq, kind, subject, payload, actor, recorded_at, prev_hash, hash, signer, signature"
    insert, last = _forged(registration, history + 2, attacker)
    raw_sql(
        database_url,
        f"INSERT INTO ledger ({columns}) VALUES ({', '.join(values)})",
        insert,
        f"UPDATE ledger_head SET count = {history + 2}, last_hash = {_quote(last.hash)}",
    )
    return attacker


def _public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def test_a_forged_tail_signed_with_a_key_of_ones_own_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine, outside: Outside
) -> None:
    attacker = _own_key_tail(database_url, engine, history)
    _verify_fails(cli, history + 1, "which is not trusted")
    listed = json.loads(cli("ledger", "keys", "--json").stdout)
    assert [(k["public_key"] == attacker.public, k["trusted"]) for k in listed] == [
        (False, True),
        (True, False),
    ]
    export = outside.export.with_name("forged.jsonl")
    assert cli("ledger", "export", "--out", str(export)).exit_code == 0
    run = outside.run(export=export)
    assert run.returncode == 1
    assert f"entry {history + 1}: not signed by a trusted key" in run.stderr


def test_a_key_swapped_in_an_entry_is_detected(
    cli: Cli, history: int, database_url: str, engine: Engine
) -> None:
    # the public key of entry 5 replaced by the attacker's, with a signature that verifies
    # with it: the key is part of the hashed entry, so the hash no longer matches
    attacker = ledger.Signer(Ed25519PrivateKey.generate(), "")
    public = _public_hex(attacker.private)
    row = _rows(engine)[4]
    signature = attacker.private.sign(bytes.fromhex(row.hash)).hex()
    raw_sql(
        database_url,
        f"UPDATE ledger SET signer = {_quote(public)}, signature = {_quote(signature)} "
        "WHERE seq = 5",
    )
    _verify_fails(cli, 5, "does not match its hash")
    # a signature stripped: the same
    raw_sql(database_url, "UPDATE ledger SET signer = NULL, signature = NULL WHERE seq = 5")
    _verify_fails(cli, 5, "does not match its hash")


def test_a_forged_anchor_is_detected(
    cli: Cli, history: int, outside: Outside, tmp_path: Path
) -> None:
    assert cli("ledger", "verify", "--anchor", str(outside.anchor)).exit_code == 0
    anchor = json.loads(outside.anchor.read_text("utf-8"))
    # an edited anchor: another head, the signature kept
    edited = tmp_path / "edited-anchor.json"
    edited.write_text(json.dumps({**anchor, "seq": history - 2}), "utf-8")
    result = cli("ledger", "verify", "--anchor", str(edited))
    assert result.exit_code == 1 and "signature does not verify" in result.stderr
    assert outside.run(anchor=edited).returncode == 1
    # an anchor made and signed by someone else's key, listing it as trusted
    forger = Ed25519PrivateKey.generate()
    public = _public_hex(forger)
    statement = {k: v for k, v in anchor.items() if k != "sig"} | {"key": public, "keys": [public]}
    statement["hash"] = "ab" * 32
    forged = tmp_path / "forged-anchor.json"
    sig = forger.sign(ledger.canonical(statement).encode("utf-8")).hex()
    forged.write_text(json.dumps({**statement, "sig": sig}), "utf-8")
    result = cli("ledger", "verify", "--anchor", str(forged))
    assert result.exit_code == 1 and "which is not trusted" in result.stderr
    run = outside.run(anchor=forged)
    assert run.returncode == 1 and "not signed by the publisher's key" in run.stderr


def test_an_anchor_catches_a_truncation_after_the_receipts_are_removed(
    cli: Cli, history: int, database_url: str, db_settings: Settings, outside: Outside
) -> None:
    _remove_receipts(db_settings)
    keep = history - 3
    raw_sql(
        database_url,
        f"DELETE FROM ledger WHERE seq > {keep}",
        f"UPDATE ledger_head SET count = {keep}, "
        f"last_hash = (SELECT hash FROM ledger WHERE seq = {keep})",
    )
    # the checkpoint of the last verification (made by the anchor command) catches it ...
    result = cli("ledger", "verify", "--without-receipts")
    assert result.exit_code == 1 and f"entries {keep + 1}-{history} are missing" in result.stderr
    # ... and so does the anchor on a full check, wherever it runs
    args = ("--full", "--without-receipts", "--anchor", str(outside.anchor))
    result = cli("ledger", "verify", *args)
    assert result.exit_code == 1
    assert f"entries {keep + 1}-{history} are missing (the anchor of" in result.stderr


def test_an_anchor_refuses_a_ledger_that_does_not_verify(
    cli: Cli, history: int, database_url: str
) -> None:
    raw_sql(database_url, "UPDATE ledger SET actor = 'someone else' WHERE seq = 5")
    result = cli("ledger", "anchor")
    assert result.exit_code == 1 and "at entry 5" in result.stderr
    assert result.stdout == ""


def test_verify_is_incremental_until_full(
    cli: Cli, history: int, database_url: str, raise_alert: AlertMaker
) -> None:
    first = cli("ledger", "verify")
    assert first.exit_code == 0 and f"all {history} entries checked (full" in first.stdout
    raise_alert(level="watch", iso3="SDN")
    assert cli("tick", "--now", "2025-03-20").exit_code == 0
    second = cli("ledger", "verify")
    assert second.exit_code == 0, second.stderr
    assert f"entries {history + 1}-" in second.stdout and "incremental" in second.stdout
    # an old entry edited in place is not re-read by an incremental check ...
    raw_sql(database_url, "UPDATE ledger SET actor = 'someone else' WHERE seq = 5")
    assert cli("ledger", "verify").exit_code == 0
    # ... but by a full one; after a failure the next check is full again
    _verify_fails_with(cli, ("ledger", "verify", "--full"), 5, "does not match its hash")
    _verify_fails(cli, 5, "does not match its hash")


def test_an_incremental_check_catches_a_rewrite_that_reaches_the_checkpoint(
    cli: Cli, history: int, database_url: str
) -> None:
    assert cli("ledger", "verify").exit_code == 0
    raw_sql(database_url, f"UPDATE ledger SET actor = 'someone else' WHERE seq = {history}")
    _verify_fails(cli, history, "does not match its hash")


def _verify_fails_with(cli: Cli, args: tuple[str, ...], entry: int, words: str) -> None:
    result = cli(*args)
    assert result.exit_code == 1, result.stdout
    assert f"at entry {entry}:" in result.stderr and words in result.stderr


# --- ledgers written before signing -------------------------------------------------------------


def _legacy_ledger(db_settings: Settings, n: int) -> str:
    """A database at revision 0004 whose ledger holds ``n`` unsigned entries, written as the
    old code wrote them (with its receipts file); the head hash."""
    url = db_settings.resolved_database_url()
    command.upgrade(alembic_config(url), "0004")
    records = [ledger.Record("note", f"case:{i}", {"i": i}, "amara") for i in range(n)]
    entries = link(records, 1, ledger.GENESIS)
    columns = "seq, kind, subject, payload, actor, recorded_at, prev_hash, hash"
    inserts = [
        f"INSERT INTO ledger ({columns}) VALUES ({e.seq}, 'note', {_quote(e.subject)}, "
        f"{_quote(ledger.canonical(e.payload))}, 'amara', {_quote(e.at)}, {_quote(e.prev)}, "
        f"{_quote(e.hash)})"
        for e in entries
    ]
    head = entries[-1].hash
    raw_sql(url, *inserts, f"UPDATE ledger_head SET count = {n}, last_hash = {_quote(head)}")
    receipts = ledger.receipts_path(db_settings.data_dir, url)
    receipts.parent.mkdir(parents=True)
    ledger_id = _ledger_id(url)
    line = {"ledger_id": ledger_id, "count": n, "hash": head, "at": entries[-1].at}
    receipts.write_text(json.dumps(line) + "\n", "utf-8")
    return head


def _ledger_id(url: str) -> str:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return str(session.scalar(select(LedgerHeadRow.ledger_id)))
    finally:
        engine.dispose()


def test_a_ledger_written_before_signing_still_verifies_with_its_unsigned_prefix(
    cli: Cli, db_settings: Settings, database_url: str, tmp_path: Path
) -> None:
    _legacy_ledger(db_settings, 6)
    engine = open_database(db_settings)  # upgrades: entries from 7 on must be signed
    try:
        insert_alerts(engine, [{"level": "watch"}])
        assert cli("tick", "--now", "2025-03-03").exit_code == 0
        result = cli("ledger", "verify", "--full")
        assert result.exit_code == 0, result.stderr
        assert "entries 1-6 were written before signing began (unsigned)" in result.stdout
        rows = _rows(engine)
        assert [r.signer is None for r in rows[:7]] == [True] * 6 + [False]
        assert rows[6].kind == "key.registered"
        # an unsigned entry appended now is refused, though well-formed and linked
        insert, forged = _forged(rows[-1], len(rows) + 1)
        raw_sql(
            database_url,
            insert,
            f"UPDATE ledger_head SET count = {len(rows) + 1}, last_hash = {_quote(forged.hash)}",
        )
        _verify_fails_with(cli, ("ledger", "verify", "--full"), len(rows) + 1, "is not signed")
    finally:
        engine.dispose()


def test_unsigned_entries_slipped_in_before_the_first_signed_one_are_refused(
    cli: Cli, db_settings: Settings, database_url: str
) -> None:
    head = _legacy_ledger(db_settings, 3)
    open_database(db_settings).dispose()  # upgraded, nothing signed yet
    last = LedgerRow(seq=3, hash=head, recorded_at="2025-03-03T00:00:00.000000Z")
    insert, forged = _forged(last, 4)
    raw_sql(
        database_url, insert, f"UPDATE ledger_head SET count = 4, last_hash = {_quote(forged.hash)}"
    )
    result = cli("ledger", "verify", "--without-receipts")
    assert (
        result.exit_code == 1
        and "entry 4 is not signed, but every entry from 4 on" in result.stderr
    )
