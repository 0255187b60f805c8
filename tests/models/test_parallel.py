"""Forked model workers: results in input order, the default stop handlers whatever the
parent installed, and death with the thread that forked them."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from forewarn.models.parallel import fork_map

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork, PR_SET_PDEATHSIG")


def _state(shared: int, item: int) -> tuple[int, int, Any, Any]:
    return (
        shared + item,
        os.getpid(),
        signal.getsignal(signal.SIGTERM),
        signal.getsignal(signal.SIGINT),
    )


def test_workers_answer_in_order_with_the_default_stop_handlers() -> None:
    flagged: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: flagged.append(signum))
    try:
        results = fork_map(_state, 100, list(range(6)), workers=2)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert [r[0] for r in results] == [100 + i for i in range(6)]
    assert all(r[1] != os.getpid() for r in results)  # computed elsewhere
    # a flag-setting handler inherited from a server would make a worker ignore SIGTERM
    assert {r[2] for r in results} == {signal.SIG_DFL}
    assert {r[3] for r in results} == {signal.SIG_DFL}
    # the caller's signal mask is as it was
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()


def _pid_then_wait(folder: str, item: int) -> int:
    Path(folder, f"{item}.pid").write_text(str(os.getpid()))
    time.sleep(60)
    return item


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_workers_die_with_the_process_that_forked_them(tmp_path: Path) -> None:
    """A child process computes in a thread; when the child dies (as a stopped server
    abandoning its computation does), its forked workers are gone too."""
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            threading.Thread(
                target=fork_map, args=(_pid_then_wait, str(tmp_path), [0, 1], 2)
            ).start()
            time.sleep(60)
        finally:
            os._exit(0)
    reaped = False
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("*.pid"))) < 2:
            assert time.monotonic() < deadline, "workers not started"
            time.sleep(0.05)
        workers = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
        assert all(_alive(pid) for pid in workers)
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        reaped = True
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphaned workers outlived their parent"
            time.sleep(0.05)
    finally:
        if not reaped:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        for pid in (int(p.read_text()) for p in tmp_path.glob("*.pid")):
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
