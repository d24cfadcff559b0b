"""Ingest every targets file of a generated set (read, check against the contract, write the rows
or the refusals to `raw`), as they are (every file loads) or spoilt the way a plan can be
(`--spoil`: each target stated as a score alone also states a band the score is not in, about
one row in ten, so every file is refused). The agency masters load first, untimed. Refusing must
cost no more than loading: `bench/run.py` times both.

    python bench/check_targets.py SOURCES_DIR [--spoil]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts import reference  # noqa: E402
from contracts.bands import band_of  # noqa: E402
from ingest.manifest import DEFAULT_MANIFEST, load_manifest  # noqa: E402
from ingest.numbers import parse_number  # noqa: E402
from ingest.pipeline import ingest_received  # noqa: E402
from ingest.raw_store import RawStore  # noqa: E402
from ingest.receiving import receive  # noqa: E402


def spoil(path: Path, out: Path) -> Path:
    """A copy of a targets file in which every score-only target states a wrong band."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        index_code, band, score = row[1], row[3], parse_number(row[4])
        if not band and score is not None:
            right = band_of(index_code, score, int(row[2])).code
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
    with tempfile.TemporaryDirectory() as scratch:
        place = Path(scratch)
        sources = args.sources
        if args.spoil:  # the masters as they are, every targets file spoilt
            sources = place / "sources"
            shutil.copytree(args.sources / "agencies", sources / "agencies")
            for path in sorted((args.sources / "targets").glob("*/*")):
                spoil(path, sources / path.relative_to(args.sources))
        entries = {e.index: [e] for e in load_manifest(DEFAULT_MANIFEST) if e.path}
        with RawStore(place / "kinerja.duckdb") as store:
            for source in ("agencies", "targets"):
                started = time.monotonic()
                received = receive(entries[source], sources, place / "landing")
                outcomes = ingest_received(store, source, received, place / "landing", "bench")
                seconds = time.monotonic() - started
    refused = sum(o.status == "refused" for o in outcomes)
    errors = sum(len(o.errors) for o in outcomes)
    print(
        f"{len(outcomes)} targets files ingested in {seconds:.2f} s: {refused} refused, {errors} errors"
    )


if __name__ == "__main__":
    main()
