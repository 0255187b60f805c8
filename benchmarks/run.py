"""Time everyday commands and the full EWP-protocol backtest of each model, as whole processes.

    .venv/bin/python benchmarks/run.py [--skip-everyday] [--skip-reference] [--repeat N]

First the everyday commands (``everyday.py``: start-up, cold and warm forecast, warn, plot,
replay), each against its target. Then the backtests:

Each measurement runs ``forewarn backtest --model X --json ...`` (no cache) in a fresh
process and records its wall time and peak resident memory (``getrusage`` of the child,
which includes its worker processes). The yardstick is measured in the same run: a plain
scikit-learn port of the EWP elastic net (``reference_sklearn.py``, SAGA over a small
lambda grid), so ratios compare like with like on this machine at this moment.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from everyday import measure_day
from everyday import report as report_day

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MODELS = ("ewp-elasticnet", "forewarn-ensemble")
TARGETS = {"ewp-elasticnet": 5.0, "forewarn-ensemble": 30.0}
RATIO_TARGET = {"ewp-elasticnet": 10.0}  # times faster than the yardstick, same run
PUBLISHED_R_SECONDS = 45.0  # EWP's R/glmnet backtest, as reported; not measured here


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_mb: float
    cpu: float
    summary: dict[str, object]


def measure(name: str, command: list[str], out: Path) -> Measurement:
    """Run ``command`` in a helper process that reports the child's wall time and peak RSS."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps([code, time.perf_counter() - t, usage.ru_maxrss, cpu]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True,
                          text=True, check=True)  # fmt: skip
    code, seconds, peak_kb, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"{name} failed (exit {code})")
    return Measurement(name, seconds, peak_kb / 1024, cpu, json.loads(out.read_text()))


def forewarn(model: str, out: Path) -> list[str]:
    return [str(BIN / "forewarn"), "backtest", "--model", model, "--json", str(out), "--no-cache"]


def reference(out: Path) -> list[str]:
    return [sys.executable, str(HERE / "reference_sklearn.py"), "--json", str(out)]


def best_of(name: str, command: list[str], out: Path, repeat: int) -> Measurement:
    runs = [measure(name, command, out) for _ in range(repeat)]
    return min(runs, key=lambda m: m.seconds)


def report(rows: list[Measurement], ref: Measurement | None) -> None:
    head = ("run", "wall s", "cpu s", "peak MB", "AUC", "top30", "Brier", "ref/this", "target")
    print("{:<26}{:>8}{:>7}{:>9}{:>7}{:>7}{:>9}{:>14}{:>9}".format(*head))
    for m in [*rows, *([ref] if ref else [])]:
        print(_row(m, ref))
    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end "
          "(wall times grow with other load; cpu s is user + system time of the run)")  # fmt: skip
    print(f"external note (not measured here, R is not installed): EWP's R/glmnet backtest "
          f"takes about {PUBLISHED_R_SECONDS:.0f} s as published.")  # fmt: skip


def _row(m: Measurement, ref: Measurement | None) -> str:
    s = m.summary
    ratio = f"{ref.seconds / m.seconds:.1f}x" if ref else ""
    if ref and m.name in RATIO_TARGET:
        goal = RATIO_TARGET[m.name]
        ratio += f" {'ok' if ref.seconds / m.seconds >= goal else 'MISS'} >={goal:g}x"
    target = TARGETS.get(m.name)
    mark = "" if target is None else f"{'ok' if m.seconds <= target else 'MISS'} {target:.0f}"
    caught = f"{s['caught_at_30']}/39"
    return (f"{m.name:<26}{m.seconds:8.2f}{m.cpu:7.1f}{m.peak_mb:9.0f}{float(str(s['auc'])):7.3f}"
            f"{caught:>7}{float(str(s['brier'])):9.5f}{ratio:>14}{mark:>9}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-reference", action="store_true", help="Skip the slow yardstick.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per model (best is kept).")
    parser.add_argument("--skip-everyday", action="store_true", help="Skip everyday commands.")
    parser.add_argument("--skip-backtest", action="store_true", help="Skip the backtests.")
    args = parser.parse_args()
    if "FOREWARN_DATA_MIRROR" not in os.environ:
        print("note: FOREWARN_DATA_MIRROR is not set; the data may be downloaded", file=sys.stderr)
    day = [] if args.skip_everyday else measure_day()
    if day:
        report_day(day)
        print()
    if args.skip_backtest:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = [best_of(m, forewarn(m, root / f"{m}.json"), root / f"{m}.json", args.repeat)
                for m in MODELS]  # fmt: skip
        ref = None
        if not args.skip_reference:
            out = root / "reference.json"
            ref = measure("sklearn-saga-reference", reference(out), out)
    report(rows, ref)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
