"""The sources kinerja reads, the raw tables each writes, and a file's reading options.

Kept apart from the readers (and from pandas), so that deciding whether anything is new tonight
costs no more than hashing the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from contracts.sources import registry
from ingest.limits import Limits

_REGION_CODE = re.compile(r"^\d{2}(\.\d{2})?$")
# The agency masters: every other source is checked against them, so they load first, and a new
# master is news for every source.
MASTERS = "agencies"


def sources() -> list[str]:
    """Every source of the registry (`contracts/sources/`), in load order: the reference sources
    first, then the indices."""
    return list(registry())


def raw_tables(source: str) -> tuple[str, ...]:
    """The raw tables a source writes; the first holds a row per key."""
    return registry()[source].raw_tables


def is_region_code(text: str) -> bool:
    """A Kemendagri code as a folder name: `NN` (a province) or `NN.NN` (a regency or city)."""
    return bool(_REGION_CODE.match(text))


def folder_region(path: PurePath) -> str | None:
    """The region a file's folders name: the last one named by a Kemendagri code
    (`sakip/32.15/sakip_2024.xlsx` is Kabupaten Karawang's); None when no folder does."""
    folders = [part for part in path.parts[:-1] if is_region_code(part)]
    return folders[-1] if folders else None


@dataclass(frozen=True)
class Options:
    """Per-file settings: the file's region (from its folder or the manifest) and the manifest's
    options for its source."""

    pemda_code: str
    sheet: str | None = None
    scale: float | None = None  # IPP: 5 or 100 when the decree states it
    limits: Limits = field(default_factory=Limits)
