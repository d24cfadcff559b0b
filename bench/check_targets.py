"""Check every targets file of a generated set against its contract in one process, as they are
(every file loads) or spoilt the way a plan can be (`--spoil`: each target stated as a score
alone also states a band the score is not in, about one row in ten, so every file is refused).
Refusing must cost no more than loading: `bench/run.py` times both.

    python bench/check_targets.py SOURCES_DIR [--spoil]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts import reference  # noqa: E402
from contracts.agencies import Masters, agencies_from_frame  # noqa: E402
from contracts.bands import band_of  # noqa: E402
from ingest.numbers import parse_number  # noqa: E402
from ingest.options import Options  # noqa: E402
from ingest.pipeline import check_files  # noqa: E402


def _files(sources: Path, source: str) -> list[tuple[Path, Options, str]]:
    return [
        (path, Options(pemda_code=path.parent.name), str(path.relative_to(sources)))
        for path in sorted((sources / source).glob("*/*"))
    ]


def spoil(path: Path, out: Path) -> Path:
    """A copy of a targets file in which every score-only target states a wrong band."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        index_code, band, score = row[1], row[3], parse_number(row[4])
        if not band and score is not None:
            right = band_of(index_code, score).code
            row[3] = next(b.code for b in reversed(reference.bands(index_code)) if b.code != right)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", type=Path)
    parser.add_argument("--spoil", action="store_true")
    args = parser.parse_args()
    masters = check_files("agencies", _files(args.sources, "agencies"), Masters())
    masters = Masters(agencies_from_frame(masters.tables["agency_master"]))
    files = _files(args.sources, "targets")
    with tempfile.TemporaryDirectory() as spoilt:
        if args.spoil:
            files = [(spoil(p, Path(spoilt) / name), o, name) for p, o, name in files]
        started = time.monotonic()
        checked = check_files("targets", files, masters)
        seconds = time.monotonic() - started
    refused = sum(any(i.severity == "error" for i in found) for found in checked.issues)
    errors = sum(i.severity == "error" for found in checked.issues for i in found)
    print(
        f"{len(files)} targets files checked in {seconds:.2f} s: {refused} refused, {errors} errors"
    )


if __name__ == "__main__":
    main()
