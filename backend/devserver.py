"""``make run``: the API on http://127.0.0.1:5000 and the scheduler, together; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PROCESSES = {
    "api": [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "backend",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        os.environ.get("PORT", "5000"),
    ],
    "scheduler": [sys.executable, "-m", "flask", "--app", "backend", "scheduler", "run"],
}


def main() -> int:
    """Start every process; when one exits or Ctrl-C arrives, stop all and return."""
    children = {name: subprocess.Popen(cmd) for name, cmd in PROCESSES.items()}  # noqa: S603
    print(
        "Dosing Diary: patient app http://127.0.0.1:5000/  dashboard http://127.0.0.1:5000/site/  "
        "API docs http://127.0.0.1:5000/api/docs  (Ctrl-C stops)",
        flush=True,
    )
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGINT, None)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
