"""Resolution of agency names as people write them to the master's stable `agency_code`."""

from __future__ import annotations

import difflib
import re
from functools import cache

from contracts import reference
from contracts.text import fold

_KEC = re.compile(r"^kec\b\.?\s*", re.IGNORECASE)


def agency_key(name: object) -> str:
    """Fold case, spaces and punctuation, and spell out a leading `Kec.` as `kecamatan`."""
    return fold(_KEC.sub("kecamatan ", str(name).strip()))


class AgencyDirectory:
    """Names, short names and aliases of the agencies of one regency, folded for lookup."""

    def __init__(self, pemda_code: str, agencies: tuple[reference.Agency, ...]):
        self.pemda_code = pemda_code
        self._by_key: dict[str, str] = {}
        self._display: dict[str, str] = {}
        for agency in agencies:
            if agency.pemda_code != pemda_code:
                continue
            for written in (agency.name, agency.short_name, *agency.aliases):
                key = agency_key(written)
                other = self._by_key.setdefault(key, agency.code)
                if other != agency.code:
                    raise ValueError(
                        f"agency master: '{written}' names both {other} and {agency.code}"
                    )
                self._display.setdefault(key, agency.name)

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


@cache
def directory(pemda_code: str) -> AgencyDirectory:
    return AgencyDirectory(pemda_code, reference.agencies())
