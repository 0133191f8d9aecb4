"""The tick-replay bench still runs against the product's current service signatures (it broke
silently once when ``push.subscribe`` gained its endpoint policy): one week-zero replay, which is
one tick per run, seconds not minutes. The bench's own numbers come from running it in full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_tick_replay_bench_runs_and_delivers_nothing_in_a_zero_week_window() -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "bench/tick_replay.py", "--weeks", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 ticks; product / baseline" in done.stdout, done.stdout
