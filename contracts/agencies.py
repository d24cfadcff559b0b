"""Agency masters: resolve agency names as people write them to each regency's stable codes.

Every regency keeps its own master (a source file per regency, see docs/sources.md "Reference
sources"). A master lists every version of every agency; all names, short names and aliases of
all versions are written forms of the agency's one code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from contracts.text import fold

if TYPE_CHECKING:
    import pandas as pd

_KEC = re.compile(r"^kec\b\.?\s*", re.IGNORECASE)
ALIAS_SEPARATOR = "|"


def agency_key(name: object) -> str:
    """Fold case, spaces and punctuation, and spell out a leading `Kec.` as `kecamatan`."""
    return _agency_key(str(name))


@lru_cache(maxsize=1 << 16)
def _agency_key(name: str) -> str:
    return fold(_KEC.sub("kecamatan ", name.strip()))


@dataclass(frozen=True)
class Agency:
    """One version of an agency, as a row of its regency's master."""

    pemda_code: str
    code: str
    name: str
    short_name: str | None
    agency_type: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()

    def written_forms(self) -> tuple[str, ...]:
        return tuple(w for w in (self.code, self.name, self.short_name, *self.aliases) if w)


def split_aliases(text: object) -> tuple[str, ...]:
    if text is None or (isinstance(text, float) and text != text):
        return ()
    return tuple(a.strip() for a in str(text).split(ALIAS_SEPARATOR) if a.strip())


AGENCY_COLUMNS = [
    "pemda_code", "agency_code", "agency_name", "agency_short_name", "agency_type",
    "parent_agency_code", "aliases",
]  # fmt: skip


def agencies_from_frame(frame: pd.DataFrame) -> list[Agency]:
    """The rows of a validated master (a file's frame or `raw.agency_master`) as Agencies."""
    columns = [frame[c].astype(object).where(frame[c].notna(), None) for c in AGENCY_COLUMNS]
    return [
        Agency(pemda, code, name, short, kind, parent, split_aliases(aliases))
        for pemda, code, name, short, kind, parent, aliases in zip(*columns, strict=True)
    ]


class AgencyDirectory:
    """Codes, names, short names and aliases of the agencies of one regency, folded for lookup."""

    def __init__(self, pemda_code: str, agencies: Iterable[Agency] = ()):
        self.pemda_code = pemda_code
        self._by_key: dict[str, str] = {}
        self._display: dict[str, str] = {}
        for agency in agencies:
            for written in agency.written_forms():
                key = agency_key(written)
                other = self._by_key.setdefault(key, agency.code)
                if other != agency.code:
                    raise ValueError(
                        f"agency master of {pemda_code}: '{written}' names both {other} and "
                        f"{agency.code}"
                    )
                self._display[key] = agency.name  # the latest version's name wins

    def __len__(self) -> int:
        return len(set(self._by_key.values()))

    def resolve(self, name: object) -> str | None:
        if name is None or (isinstance(name, float) and name != name):
            return None
        return self._by_key.get(agency_key(name))

    def suggest(self, name: object, n: int = 3) -> list[str]:
        """The official names of the `n` agencies whose written forms are closest to `name`."""
        close = difflib.get_close_matches(agency_key(name), self._by_key, n=n * 4, cutoff=0.0)
        names: list[str] = []
        for key in close:
            official = self._display[key]
            if official not in names:
                names.append(official)
        return names[:n]


class Masters:
    """The agency master in force for every regency known: pemda_code -> AgencyDirectory."""

    def __init__(self, agencies: Iterable[Agency] = ()):
        by_regency: dict[str, list[Agency]] = {}
        for agency in agencies:
            by_regency.setdefault(agency.pemda_code, []).append(agency)
        self._directories = {code: AgencyDirectory(code, a) for code, a in by_regency.items()}

    def __contains__(self, pemda_code: object) -> bool:
        return pemda_code in self._directories

    def regencies(self) -> list[str]:
        return sorted(self._directories)

    def directory(self, pemda_code: str) -> AgencyDirectory:
        """The regency's directory; an empty one (nothing resolves) when it has no master yet."""
        found = self._directories.get(pemda_code)
        return found if found is not None else AgencyDirectory(pemda_code)

    def replaced(self, pemda_code: str, agencies: Iterable[Agency]) -> Masters:
        """These masters with one regency's master replaced (a newer good master file)."""
        copy = Masters()
        copy._directories = dict(self._directories)
        copy._directories[pemda_code] = AgencyDirectory(pemda_code, agencies)
        return copy
