"""Folding of free text written by people (headers, agency names, predicates) to a comparable key."""

import re
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """Lower-case, drop punctuation and collapse whitespace: ` Nama  Perangkat-Daerah ` -> `nama perangkat daerah`."""
    return _fold_text(text) if isinstance(text, str) else _fold_text(str(text))


@lru_cache(maxsize=1 << 16)
def _fold_text(text: str) -> str:
    """The same headers, names and predicates recur in every file of a source: fold each once."""
    return _NON_WORD.sub(" ", text.lower()).strip()
