"""Event data at scale: import rate and monthly aggregation, pandas in one process vs Dask.

    python benchmarks/events.py [--sizes 1000000,10000000,50000000] [--budget-gb 4]
                                [--workdir DIR] [--workers 2]

For each size: synthetic GED events (the real CAF events resampled across 50 countries, 16
made-up provinces each and the months of 1989-2022; free-text source fields left empty) are
written as a GED CSV, imported (``forewarn.events.storage.import_events``: validation,
Parquet partitions), then aggregated into the province-month counts twice: by pandas in one
process and by Dask on a ``LocalCluster`` (``--workers`` single-threaded worker processes)
over the Parquet partitions. Each step runs in its own process while this one samples the
resident memory of that process and all its children (the Dask scheduler, nannies and
workers included) every 0.1 s; a step that goes over ``--budget-gb`` is stopped and reported
as out of memory. The Dask result is checked equal to the pandas result when both finish.
Ratios are against the pandas run of the same size, measured in the same run. Files are
deleted after each size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve()
SEED = 20250903


@dataclass
class Step:
    seconds: float
    peak_gb: float
    ok: bool
    detail: dict[str, object]


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(args: list[str], budget: float) -> Step:
    """Run ``python benchmarks/events.py _step ARGS``; wall time, peak tree RSS, its JSON."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(HERE), "_step", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched, peak, killed = psutil.Process(child.pid), 0, False
    while child.poll() is None:
        peak = max(peak, _tree_rss(watched))
        if peak > budget * 2**30:
            for p in [*watched.children(recursive=True), watched]:
                p.kill()
            killed = True
            break
        time.sleep(0.1)
    out, err = child.communicate()
    seconds = time.perf_counter() - start
    if killed or child.returncode != 0:
        reason = "over the memory budget" if killed else err.strip().splitlines()[-1:]
        return Step(seconds, peak / 2**30, False, {"error": reason})
    return Step(seconds, peak / 2**30, True, json.loads(out.strip().splitlines()[-1]))


# --- the steps, each in its own process -------------------------------------------------------


def _generate(path: str, total: int) -> dict[str, object]:
    from forewarn.config import Settings
    from forewarn.data import registry
    from forewarn.events.synthetic import ged_template, write_synthetic

    template = ged_template(registry.fetch("ucdp-ged-caf", Settings()))
    write_synthetic(Path(path), template, total, countries=50, provinces=16, seed=SEED, text=False)
    return {"bytes": Path(path).stat().st_size}


def _import(path: str, root: str) -> dict[str, object]:
    from forewarn.events.storage import import_events

    report = import_events(Path(root), Path(path), sha256=f"{total_of(path):064d}", repair=True)
    return {"events": report.record.events, "partitions": report.partitions}


def total_of(path: str) -> int:
    return Path(path).stat().st_size


def _aggregate(root: str, engine: str, workers: int, out: str) -> dict[str, object]:
    from forewarn.cluster import dask_client
    from forewarn.events import monthly

    memory = f"{int(3.0 / max(workers, 1) * 1024)}MB"
    with dask_client(
        "local" if engine == "dask" else None, workers=workers, memory_limit=memory
    ) as client:
        started = time.perf_counter()
        table = monthly.counts(Path(root), "ged", client=client)
        seconds = time.perf_counter() - started
    table.to_parquet(out)
    return {"rows": len(table), "events": int(table["events"].sum()), "compute_s": seconds}


def step(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "generate":
        result = _generate(rest[0], int(rest[1]))
    elif kind == "import":
        result = _import(rest[0], rest[1])
    else:
        result = _aggregate(rest[0], rest[1], int(rest[2]), rest[3])
    print(json.dumps(result))


# --- the benchmark ----------------------------------------------------------------------------


def _same(a: Path, b: Path) -> bool:
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
    except AssertionError:
        return False
    return True


def run_size(
    total: int, work: Path, budget: float, workers: int, pandas_budget: float | None = None
) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    csv, root = work / "GEDEvent_v23_1_synthetic.csv", work / "events"
    row: dict[str, object] = {"events": total}
    try:
        made = measure(["generate", str(csv), str(total)], 64)
        row["csv_gb"] = round(int(made.detail.get("bytes", 0)) / 1e9, 2)  # type: ignore[call-overload]
        imported = measure(["import", str(csv), str(root)], 64)
        row["import_s"], row["import_peak_gb"] = (
            round(imported.seconds, 1),
            round(imported.peak_gb, 2),
        )
        row["import_rate"] = round(total / imported.seconds) if imported.ok else None
        csv.unlink()
        for engine in ("pandas", "dask"):
            limit = pandas_budget if engine == "pandas" and pandas_budget else budget
            result = measure(
                ["aggregate", str(root), engine, str(workers), str(work / f"{engine}.parquet")],
                limit,
            )
            row[f"{engine}_s"] = round(result.seconds, 1) if result.ok else None
            row[f"{engine}_compute_s"] = result.detail.get("compute_s")
            row[f"{engine}_events_counted"] = result.detail.get("events")
            row[f"{engine}_peak_gb"] = round(result.peak_gb, 2)
            row[f"{engine}_ok"] = result.ok
            row[f"{engine}_error"] = result.detail.get("error")
        if row["pandas_ok"] and row["dask_ok"]:
            row["equal"] = _same(work / "pandas.parquet", work / "dask.parquet")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return row


def _print(rows: list[dict[str, object]], budget: float) -> None:
    print(
        f"\nevents  | import s (events/s, peak GB) | pandas s (peak GB) | Dask s (peak GB) "
        f"| Dask/pandas | equal   [budget {budget:g} GB]"
    )
    for r in rows:
        pandas = (
            f"{r['pandas_s']} ({r['pandas_peak_gb']})"
            if r["pandas_ok"]
            else f"out of memory ({r['pandas_peak_gb']})"
        )
        dask = (
            f"{r['dask_s']} ({r['dask_peak_gb']})"
            if r["dask_ok"]
            else f"failed: {r['dask_error']} ({r['dask_peak_gb']})"
        )
        if r["dask_ok"] and r.get("dask_events_counted") != r["events"]:
            dask += f" but counted {r.get('dask_events_counted')} events"
        ratio = (
            f"{float(r['dask_s']) / float(r['pandas_s']):.2f}x"  # type: ignore[arg-type]
            if r["pandas_ok"] and r["dask_ok"]
            else "-"
        )
        print(
            f"{r['events']:>11,} | {r['import_s']} ({r['import_rate']}, {r['import_peak_gb']}) "
            f"| {pandas} | {dask} | {ratio} | {r.get('equal', '-')}"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        step(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000,50000000")
    parser.add_argument("--budget-gb", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--workdir", type=Path, default=Path.cwd() / ".bench-events")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--pandas-budget-gb",
        type=float,
        default=None,
        help="A larger budget for the pandas run only, to see what it needs",
    )
    args = parser.parse_args()
    rows = []
    for total in (int(float(s)) for s in args.sizes.split(",")):
        print(f"{total:,} events ...", file=sys.stderr, flush=True)
        rows.append(
            run_size(
                total,
                args.workdir / str(total),
                args.budget_gb,
                args.workers,
                args.pandas_budget_gb,
            )
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    _print(rows, args.budget_gb)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
