"""`kinerja serve`: Dagster's daemon (schedules, sensor, run queue) and webserver (the UI), as one
service. Without it the nightly schedule never fires; `orchestration/kinerja.service` runs it
under systemd (docs/operations.md).

Both processes load `orchestration.definitions` and share the Dagster instance of DAGSTER_HOME
(the settings'). The service stops when either process stops (systemd then restarts it whole), and
stops both on SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

WORKSPACE = ("-m", "orchestration.definitions")


def serve(dagster_home: Path, host: str, port: int) -> int:
    bin_dir = Path(sys.executable).parent
    processes = [
        subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", *WORKSPACE]),
        subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), *WORKSPACE, "--host", host, "--port", str(port)]
        ),
    ]
    stopping = []

    def stop(signum, _frame):
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    print(
        f"kinerja serve: Dagster daemon and UI on http://{host}:{port} (DAGSTER_HOME {dagster_home})"
    )
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    ended = [p.returncode for p in processes if p.returncode not in (0, None, -signal.SIGTERM)]
    return 0 if stopping or not ended else 1
