"""The names other things depend on (schedules, the UI, alerts, a BI tool's lineage): every asset
key, asset check, job, schedule and sensor, against `tests/snapshots/definitions.json`. A rename
fails here first. A new source or model adds names: look at the diff, then accept it with
`python -m tests.test_definitions` (docs/adding-a-source.md)."""

import json
import sys
from pathlib import Path

from orchestration.definitions import build_definitions
from orchestration.settings import from_env

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def names() -> dict[str, list[str]]:
    definitions = build_definitions(from_env())
    graph = definitions.resolve_asset_graph()
    return {
        "assets": sorted("/".join(key.path) for key in graph.get_all_asset_keys()),
        "asset_checks": sorted(
            f"{'/'.join(key.asset_key.path)}:{key.name}" for key in graph.asset_check_keys
        ),
        "jobs": sorted(
            job.name for job in definitions.resolve_all_job_defs() if not job.name.startswith("__")
        ),
        "schedules": sorted(schedule.name for schedule in definitions.schedules),
        "sensors": sorted(sensor.name for sensor in definitions.sensors),
    }


def test_no_asset_check_job_schedule_or_sensor_is_renamed_or_dropped_unnoticed():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = names()
    for kind in snapshot.keys() | current.keys():
        gone = sorted(set(snapshot.get(kind, [])) - set(current.get(kind, [])))
        new = sorted(set(current.get(kind, [])) - set(snapshot.get(kind, [])))
        assert not gone and not new, f"{kind}: gone {gone}, new {new}"


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(names(), indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {SNAPSHOT}\n")
