"""A full disk during an import or a tick: one line, exit 4, and nothing half-written.

The disk is real: a small tmpfs mounted in a private mount namespace (``unshare``, as an
unprivileged user mapped to root inside it, or as root), holding the SQLite database and
the ledger receipts. A filler file takes all but a few kilobytes, then the command runs.
Afterwards the filler is removed and the database is checked: the failed import wrote no
assessment, the tick's finished batches are whole and the next tick completes the work, and
the ledger verifies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
HEADER = (
    "country,date,analyst,indicator,judgement,evidence_text,evidence_source,"
    "evidence_date,reliability,credibility,confidential\n"
)
SEED_ALERTS = """
import datetime as dt, sys
from forewarn.config import Settings
from forewarn.store.db import open_database, transaction
from forewarn.store.tables import AlertRow
engine = open_database(Settings())
when = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
with transaction(engine) as session:
    for n in range(int(sys.argv[1])):
        session.add(AlertRow(iso3=f"{n:03d}", seq=1, country=f"C{n}", level="emergency",
                             rule="seed", base_year=2024, created_at=when,
                             snapshot={"risk_2y": 0.1}))
"""


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    return probe.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _namespaces_work(), reason="no mount namespaces (unshare -rm)"),
]


def _on_small_disk(tmp_path: Path, script: str, size: str = "8m") -> Path:
    """Run ``script`` (bash) with a fresh tmpfs of ``size`` at $DISK; its results land in
    $OUT (a folder outside the tmpfs, returned)."""
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
    env |= {
        "DISK": str(disk),
        "OUT": str(out),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "FOREWARN_DATABASE_URL": f"sqlite:///{disk / 'forewarn.db'}",
        "FOREWARN_DATA_DIR": str(disk / "data"),
    }
    prelude = f'set -u\nmount -t tmpfs -o size={size} tmpfs "$DISK"\ncd "$OUT"\n'
    done = subprocess.run(
        ["unshare", "-rm", "bash", "-c", prelude + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


FILL = """
# take all the free space but about $1 KiB
dd if=/dev/zero of="$DISK/filler" bs=64k status=none 2>/dev/null || true
truncate -s "-$1K" "$DISK/filler"
"""


def _one_line(path: Path) -> str:
    """The one error line of a command's standard error (progress lines, "[   3s] ...",
    which a command writes there when it is not on a terminal, are not errors)."""
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.strip().splitlines() if not re.match(r"\[\s*\d+s\] ", ln)]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_an_import_on_a_full_disk_writes_nothing(tmp_path: Path) -> None:
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    row = "SYR,2024-02-01,amara,7.1,present-weak,{text},OHCHR,2024-01-10,B,2,false\n"
    small.write_text(HEADER + row.format(text="first"), encoding="utf-8")
    rows = [
        f"MMR,2024-03-01,amara,{ind},present-strong,{'evidence ' * 60},UN,2024-02-01,A,1,false\n"
        for ind in ("7.1", "7.2", "7.3", "9.1", "9.2", "9.3")
        for _ in range(40)
    ]
    big.write_text(HEADER + "".join(rows), encoding="utf-8")
    script = f"""
fill() {{ {FILL} }}
forewarn assess import {small} > first.out 2> first.err
fill 24
forewarn assess import {big} > import.out 2> import.err; echo $? > import.rc
rm "$DISK/filler"
forewarn assess export --out export.json > /dev/null 2> export.err
forewarn ledger verify > verify.out 2>&1; echo $? > verify.rc
"""
    out = _on_small_disk(tmp_path, script)
    assert (out / "import.rc").read_text().strip() == "4"
    line = _one_line(out / "import.err")
    assert line.startswith("error: ") and "full" in line, line
    stored = json.loads((out / "export.json").read_text(encoding="utf-8"))
    assert [a["country"] for a in stored] == ["SYR"]  # the failed import left nothing
    assert (out / "verify.rc").read_text().strip() == "0", (out / "verify.out").read_text()


def test_a_tick_on_a_full_disk_stops_in_one_line_and_the_next_tick_finishes(
    tmp_path: Path,
) -> None:
    seed = tmp_path / "seed.py"
    seed.write_text(SEED_ALERTS, encoding="utf-8")
    script = f"""
fill() {{ {FILL} }}
python {seed} 300 > seed.out 2>&1
fill 1500
forewarn tick --now 2025-03-04 > tick.out 2> tick.err; echo $? > tick.rc
python - > partial.json <<'EOF'
import json, sqlite3, os
db = sqlite3.connect(os.environ["DISK"] + "/forewarn.db")
q = lambda s: db.execute(s).fetchone()[0]
print(json.dumps({{"intake": q("select count(*) from alert_intake"),
                  "actions": q("select count(*) from actions"),
                  "orphans": q("select count(*) from actions where alert_id not in "
                               "(select alert_id from alert_intake)")}}))
EOF
rm "$DISK/filler"
forewarn tick --now 2025-03-04 > again.out 2> again.err; echo $? > again.rc
forewarn ledger verify > verify.out 2>&1; echo $? > verify.rc
"""
    out = _on_small_disk(tmp_path, script, size="32m")
    assert (out / "tick.rc").read_text().strip() == "4", (out / "tick.out").read_text()
    assert "full" in _one_line(out / "tick.err")
    partial = json.loads((out / "partial.json").read_text())
    assert 0 < partial["intake"] < 300 and partial["orphans"] == 0
    assert partial["actions"] == 7 * partial["intake"]  # whole batches only
    assert (out / "again.rc").read_text().strip() == "0", (out / "again.err").read_text()
    assert f"for {300 - partial['intake']} new alerts" in (out / "again.out").read_text()
    assert (out / "verify.rc").read_text().strip() == "0", (out / "verify.out").read_text()
