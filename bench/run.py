"""Time the refresh at one size against the floor, and write the figures to docs/benchmarks.md.

    python bench/run.py SIZE      (make bench SIZE=small|province|national)

Each figure is one fresh process, timed by this process's monotonic clock, its peak RSS read
from the kernel when it is reaped (`os.wait4`, which counts the children it waited for: dbt):
(a) a full refresh into an empty warehouse; (b) a second refresh with nothing changed; (c) a
refresh after one source file changed; (d) loading the Dagster code location (`import
orchestration.definitions`), beside `import dagster, dagster_dbt` alone (the part of it
kinerja cannot cut, on this machine today); (e) the floor, `bench/floor.py`; (f) ingesting every
targets file as they are, then spoilt so that every file is refused (`bench/check_targets.py`,
which prints the ingest step's own seconds): refusing must cost no more than loading. The sources come from
`bench/generate.py` into `warehouse/bench/<size>/` (made once, reused).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import GENERATED, generate  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
TARGETS = {
    "full": "<= 60 s (national) and <= 10x the floor",
    "unchanged": "<= 3 s (national)",
    "one_changed": "<= 15 s (national), <= 10 s (province)",
    "load": "<= 3.5 s",
    "load_dagster": "(part of load: `import dagster, dagster_dbt`, 2.8 s when 3.5 s was set)",
    "rss": "<= 2 GB",
    "targets": "(ingesting every targets file, all loading; the process, masters included)",
    "targets_refused": "<= targets: the same with every file refused",
}


@dataclass
class Figure:
    name: str
    seconds: float
    peak_rss_mb: float
    exit_code: int


def timed(name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Figure:
    """Run `command` to its end; its wall time, and the peak RSS of it and its children."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n=== {name}: {' '.join(command)}\n")
        out.flush()
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Figure(name, seconds, usage.ru_maxrss / 1024, process.returncode)


def change_one_file(sources: Path) -> Path:
    """A corrected file arrives: one SAKIP CSV gets a trailing blank line (new bytes, same rows)."""
    changed = sorted(sources.glob("sakip/*/sakip_2021.csv"))[0]
    with changed.open("ab") as f:
        f.write(b"\r\n")
    return changed


def machine() -> str:
    memory = next(
        int(line.split()[1]) // 1024**2
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    packages = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "pandas", "pandera",
                "great-expectations", "python-calamine")  # fmt: skip
    versions = ", ".join(f"{p} {version(p)}" for p in packages)
    return (
        f"{os.cpu_count()} cores, {memory} GiB, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; {versions}"
    )


def run(
    size: str, place: Path | None = None, doc: Path = DOC, target: str = "duckdb"
) -> list[Figure]:
    """On `target` postgres the dbt models build and the marts are served on the server of
    KINERJA_PG_* (an empty database: (a) is the first refresh into it); the floor is DuckDB's."""
    place = place or ROOT / "warehouse" / "bench" / size
    data = place / "data"
    if not (data / GENERATED).exists():
        print(f"generating the {size} sources into {data} ...", flush=True)
        shutil.rmtree(data, ignore_errors=True)
        generate(size, data)
    sources = data / "sources"
    suffix = "" if target == "duckdb" else f"-{target}"
    warehouse = place / f"warehouse{suffix}"
    home = place / f"dagster_home{suffix}"
    for leftover in (warehouse, home):
        shutil.rmtree(leftover, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copyfile(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = os.environ | {
        "KINERJA_SOURCES_DIR": str(sources),
        "KINERJA_WAREHOUSE": str(warehouse / "kinerja.duckdb"),
        "DAGSTER_HOME": str(home),
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": str(ROOT),
        "KINERJA_TARGET": target,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    log = place / f"bench{suffix}.log"
    log.unlink(missing_ok=True)
    refresh = [sys.executable, "-m", "orchestration.cli", "refresh"]
    files = sum(1 for p in sources.rglob("*") if p.is_file())
    print(f"{size} on {target}: {files} source files; log {log}", flush=True)
    figures = []
    for name, command in (
        ("full", refresh),
        ("unchanged", refresh),
        ("one_changed", refresh),
        ("load", [sys.executable, "-c", "import orchestration.definitions"]),
        ("load_dagster", [sys.executable, "-c", "import dagster, dagster_dbt"]),
        ("floor", [sys.executable, str(ROOT / "bench" / "floor.py"), str(sources)]),
        ("targets", [sys.executable, str(ROOT / "bench" / "check_targets.py"), str(sources)]),
        (
            "targets_refused",
            [sys.executable, str(ROOT / "bench" / "check_targets.py"), str(sources), "--spoil"],
        ),
    ):
        if name == "one_changed":
            change_one_file(sources)
        figure = timed(name, command, ROOT, env, log)
        figures.append(figure)
        print(
            f"  {name:<12} {figure.seconds:8.2f} s  peak RSS {figure.peak_rss_mb:7.0f} MB"
            f"  exit {figure.exit_code}",
            flush=True,
        )
    full, floor = figures[0], figures[5]
    print(f"  full / floor: {full.seconds / floor.seconds:.1f}x")
    write_doc(doc, size + suffix, files, figures)
    return figures


def write_doc(doc: Path, size: str, files: int, figures: list[Figure]) -> None:
    """Replace this size's section of docs/benchmarks.md (`province-postgres`: the province on
    PostgreSQL), keeping the others."""
    full, floor = figures[0], figures[5]
    rows = "\n".join(
        f"| {f.name} | {f.seconds:.2f} | {f.peak_rss_mb:,.0f} | {f.exit_code} | "
        f"{TARGETS.get(f.name, '')} |"
        for f in figures
    )
    section = (
        f"<!-- size:{size} -->\n## {size}: {files:,} files\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n\n"
        "| figure | seconds | peak RSS (MB) | exit | target |\n| --- | ---: | ---: | ---: | --- |\n"
        f"{rows}\n\nfull / floor: **{full.seconds / floor.seconds:.1f}x**\n<!-- /size:{size} -->\n"
    )
    text = doc.read_text(encoding="utf-8") if doc.exists() else _HEADER
    start, end = f"<!-- size:{size} -->", f"<!-- /size:{size} -->\n"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


_HEADER = """# Benchmarks

Written by `make bench SIZE=...` (`bench/run.py`); what the figures mean is in its docstring.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("size", choices=["small", "province", "national"])
    parser.add_argument(
        "--target",
        choices=["duckdb", "postgres"],
        default="duckdb",
        help="where dbt builds and the marts are served (postgres: the server of KINERJA_PG_*)",
    )
    args = parser.parse_args()
    figures = run(args.size, target=args.target)
    sys.exit(1 if any(f.exit_code for f in figures) else 0)


if __name__ == "__main__":
    main()
