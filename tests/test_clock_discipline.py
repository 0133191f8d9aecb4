"""A guard: the product reads "now" only through ``backend.clock``, and tests only at their chosen instant.

A test that builds data from the machine's date passes the day it is written and fails a few
days later (issue 11). Every read of the wall clock outside ``backend/clock.py`` is refused here,
in the product and in the tests; ``make test-anydate`` then runs the suite at other machine dates.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALL_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|datetime\.today)\(")
ALLOWED = {ROOT / "backend" / "clock.py"}


def _python_files() -> list[Path]:
    return [
        path
        for folder in ("backend", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in ALLOWED and path != Path(__file__).resolve()
    ]


def test_nothing_reads_the_wall_clock_but_backend_clock() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if WALL_CLOCK.search(line)
    ]
    assert not offenders, "read the time through backend.clock.now():\n" + "\n".join(offenders)


def test_the_guard_sees_a_wall_clock_read() -> None:
    # These are strings the guard must catch; nothing here reads the clock.
    assert WALL_CLOCK.search("today = date.today()")  # real clock: a string, not a read
    assert WALL_CLOCK.search("x = datetime.now(UTC)")  # real clock: a string, not a read
    assert not WALL_CLOCK.search("now = clock.now()")
