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
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from everyday import measure_day
from everyday import report as report_day

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MODELS = ("ewp-elasticnet", "forewarn-ensemble")
TARGETS = {"ewp-elasticnet": 5.0, "forewarn-ensemble": 30.0}
RATIO_TARGET = {"ewp-elasticnet": 10.0}  # times faster than R/glmnet, same run
PUBLISHED_R_SECONDS = 45.0  # EWP's R/glmnet backtest, as reported; not measured here


Reader = Callable[[Path], dict[str, object]]


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_mb: float
    cpu: float
    summary: dict[str, object]


def measure(name: str, command: list[str], out: Path, read: Reader | None = None) -> Measurement:
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
    summary = read(out) if read is not None else json.loads(out.read_text())
    return Measurement(name, seconds, peak_kb / 1024, cpu, summary)


def forewarn(model: str, out: Path) -> list[str]:
    return [str(BIN / "forewarn"), "backtest", "--model", model, "--json", str(out), "--no-cache"]


def reference(out: Path) -> list[str]:
    return [sys.executable, str(HERE / "reference_sklearn.py"), "--json", str(out)]


def glmnet_reference(root: Path) -> Measurement | None:
    """R/glmnet on the same protocol (``reference_glmnet.R``), scored by forewarn's scorer
    after the timed process; None when R or its glmnet package is not installed."""
    rscript = shutil.which("Rscript")
    if rscript is None or subprocess.run([rscript, "-e", "library(glmnet)"],
                                         capture_output=True).returncode != 0:  # fmt: skip
        return None
    out = root / "glmnet.csv"
    command = [rscript, str(HERE / "reference_glmnet.R"), str(_panel_path()), str(out)]
    return measure("r-glmnet-reference", command, out, _score_csv)


def _panel_path() -> Path:
    from forewarn.config import Settings
    from forewarn.data import registry

    return registry.fetch("ewp-panel", Settings())


def _score_csv(path: Path) -> dict[str, object]:
    import pandas as pd

    from forewarn.config import Settings
    from forewarn.data.panel import load_panel
    from forewarn.evaluation.scoring import foos_metrics, rank_within_year, two_year_scores

    predictions = pd.read_csv(path)
    predictions["rank"] = rank_within_year(predictions)
    frame = load_panel(Settings()).frame
    return dict(foos_metrics(two_year_scores(predictions, frame, 1994, 2024)).as_dict())


def best_of(name: str, command: list[str], out: Path, repeat: int) -> Measurement:
    runs = [measure(name, command, out) for _ in range(repeat)]
    return min(runs, key=lambda m: m.seconds)


def report(rows: list[Measurement], r: Measurement | None, sk: Measurement | None) -> None:
    head = ("run", "wall s", "cpu s", "peak MB", "AUC", "top30", "Brier", "R/this", "sk/this",
            "target")  # fmt: skip
    print("{:<24}{:>7}{:>7}{:>8}{:>7}{:>7}{:>9}{:>16}{:>8}{:>9}".format(*head))
    for m in [*rows, *(x for x in (r, sk) if x is not None)]:
        print(_row(m, r, sk))
    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end "
          "(wall times grow with other load; cpu s is user + system time of the run)")  # fmt: skip
    if r is None:
        print("R/glmnet reference not run: Rscript with the glmnet package is not installed "
              f"(EWP's R/glmnet backtest takes about {PUBLISHED_R_SECONDS:.0f} s as published); "
              "install r-cran-glmnet (Debian) to measure it")  # fmt: skip


def _ratio(ref: Measurement | None, m: Measurement, goal: float | None) -> str:
    if ref is None:
        return ""
    times = ref.seconds / m.seconds
    verdict = "" if goal is None else f" {'ok' if times >= goal else 'MISS'} >={goal:g}x"
    return f"{times:.1f}x{verdict}"


def _row(m: Measurement, r: Measurement | None, sk: Measurement | None) -> str:
    s = m.summary
    target = TARGETS.get(m.name)
    mark = "" if target is None else f"{'ok' if m.seconds <= target else 'MISS'} {target:.0f}"
    caught = f"{s['caught_at_30']}/39"
    return (f"{m.name:<24}{m.seconds:7.2f}{m.cpu:7.1f}{m.peak_mb:8.0f}{float(str(s['auc'])):7.3f}"
            f"{caught:>7}{float(str(s['brier'])):9.5f}{_ratio(r, m, RATIO_TARGET.get(m.name)):>16}"
            f"{_ratio(sk, m, None):>8}{mark:>9}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-reference", action="store_true", help="Skip the slow yardstick.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per model (best is kept).")
    parser.add_argument("--skip-everyday", action="store_true", help="Skip everyday commands.")
    parser.add_argument("--skip-backtest", action="store_true", help="Skip the backtests.")
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="Models to backtest.")
    parser.add_argument("--skip-sklearn", action="store_true", help="Only R as the yardstick.")
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
                for m in args.models]  # fmt: skip
        r = sk = None
        if not args.skip_reference:
            r = glmnet_reference(root)
            out = root / "reference.json"
            if not args.skip_sklearn:
                sk = measure("sklearn-saga-reference", reference(out), out)
    report(rows, r, sk)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"benchmark took {time.perf_counter() - start:.0f} s")
