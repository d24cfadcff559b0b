"""Folding of free text written by people (headers, agency names, predicates) to a comparable key."""

import re

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """Lower-case, drop punctuation and collapse whitespace: ` Nama  Perangkat-Daerah ` -> `nama perangkat daerah`."""
    return _NON_WORD.sub(" ", str(text).lower()).strip()
