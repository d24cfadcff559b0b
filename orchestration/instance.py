"""The Dagster instance of DAGSTER_HOME, one decision for `make`, `kinerja serve` and
`kinerja refresh`: its configuration is the settings' `dagster_config` (the project's
`dagster.yaml`, SQLite storage; `dagster.postgres.yaml` when DAGSTER_PG_HOST is set), put into
DAGSTER_HOME whenever it differs. Change the project's file, not the copy: the copy follows it.

`python -m orchestration.instance` prepares DAGSTER_HOME (what `make dev` does before
`dagster dev`).
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.settings import Settings, from_env


def prepared_home(settings: Settings) -> Path | None:
    """DAGSTER_HOME with the configuration of the settings; None without DAGSTER_HOME."""
    home = settings.dagster_home
    if home is None:
        return None
    home.mkdir(parents=True, exist_ok=True)
    wanted = settings.dagster_config.read_bytes()
    installed = home / "dagster.yaml"
    if not installed.exists() or installed.read_bytes() != wanted:
        partial = home / f".dagster.yaml.{os.getpid()}.partial"
        partial.write_bytes(wanted)
        os.replace(partial, installed)
    return home


def dagster_instance(settings: Settings):
    """The instance of DAGSTER_HOME, prepared; an ephemeral one without DAGSTER_HOME."""
    import dagster as dg

    home = prepared_home(settings)
    return (
        dg.DagsterInstance.ephemeral()
        if home is None
        else dg.DagsterInstance.from_config(str(home))
    )


if __name__ == "__main__":
    print(f"Dagster instance: {prepared_home(from_env())}")
