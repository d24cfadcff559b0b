"""The sources kinerja reads, the raw tables each writes, and a file's reading options.

Kept apart from the readers (and from pandas), so that deciding whether anything is new tonight
costs no more than hashing the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from contracts import reference
from ingest.limits import Limits

# The reference sources of each regency and the raw table each writes; a refresh loads them
# before the scores, which are checked against them.
REFERENCE_SOURCES = {"agencies": "agency_master", "targets": "targets"}
# The raw tables each source writes; the first is the one with a row per agency and year.
_EXTRA_TABLES = {"spbe": ("spbe_indicator",)}
_REGION_CODE = re.compile(r"^\d{2}(\.\d{2})?$")


def sources() -> list[str]:
    """Every source, in load order: the reference sources first, then the indices."""
    return [*REFERENCE_SOURCES, *reference.indices()]


def raw_tables(source: str) -> tuple[str, ...]:
    if source in REFERENCE_SOURCES:
        return (REFERENCE_SOURCES[source],)
    return (source, *_EXTRA_TABLES.get(source, ()))


def is_region_code(text: str) -> bool:
    """A Kemendagri code as a folder name: `NN` (a province) or `NN.NN` (a regency or city)."""
    return bool(_REGION_CODE.match(text))


@dataclass(frozen=True)
class Options:
    """Per-file settings: the file's region (from its folder or the manifest) and the manifest's
    options for its source."""

    pemda_code: str
    sheet: str | None = None
    scale: float | None = None  # IPP: 5 or 100 when the decree states it
    limits: Limits = field(default_factory=Limits)
