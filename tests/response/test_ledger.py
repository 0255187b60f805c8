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
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn import ledger
from forewarn.config import Settings
from forewarn.errors import DataError
from forewarn.response import clock
from forewarn.response.actions import Decision, Verb, decide
from forewarn.response.ladder import Ladder, Roles
from forewarn.store.tables import LedgerRow

from .conftest import MONDAY, REPO, SQLITE_ONLY, AlertMaker, CliResult, raw_sql

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


# --- outside verification -----------------------------------------------------------------------


def _snippet() -> str:
    text = (REPO / "docs" / "ledger.md").read_text("utf-8")
    match = re.search(r"<!-- verify-snippet -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/ledger.md lost its verification snippet"
    return match.group(1)


def test_the_documented_snippet_verifies_an_export(cli: Cli, history: int, tmp_path: Path) -> None:
    snippet = _snippet()
    assert len(snippet.strip().splitlines()) <= 15
    assert set(re.findall(r"^import (.*)$", snippet, re.M)) == {"hashlib, json, sys"}
    script, export = tmp_path / "verify_ledger.py", tmp_path / "ledger.jsonl"
    script.write_text(snippet, "utf-8")
    result = cli("ledger", "export", "--out", str(export))
    assert result.exit_code == 0 and f"exported {history} entries" in result.stderr
    head = json.loads(cli("ledger", "head", "--json").stdout)
    run = subprocess.run([sys.executable, str(script), str(export)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{history} entries intact; head {head['hash']}"
    lines = export.read_text("utf-8").splitlines()
    lines[9] = lines[9].replace('"state":"acknowledged"', '"state":"done"')
    export.write_text("\n".join(lines) + "\n", "utf-8")
    run = subprocess.run([sys.executable, str(script), str(export)], capture_output=True, text=True)
    assert run.returncode == 1 and "entry 10: the content does not match" in run.stderr


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
