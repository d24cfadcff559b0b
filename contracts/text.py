"""Free text written by people (headers, agency names, predicates, file names): folded to a
comparable key, and made safe to show."""

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """Lower-case, drop punctuation and collapse whitespace: ` Nama  Perangkat-Daerah ` -> `nama perangkat daerah`."""
    return _fold_text(text) if isinstance(text, str) else _fold_text(str(text))


@lru_cache(maxsize=1 << 16)
def _fold_text(text: str) -> str:
    """The same headers, names and predicates recur in every file of a source: fold each once."""
    return _NON_WORD.sub(" ", text.lower()).strip()


# Formatting characters that reorder or hide text (bidirectional overrides, isolates and marks,
# zero widths): a file named with U+202E reads backwards in a letter.
_HIDDEN_FORMATS = {"\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060",
                   "\ufeff", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}  # fmt: skip


def visible(text: object) -> str:
    """`text` as a person should see it: a control or hiding character shown as its escape
    (`\\n`, `\\u202e`), so that a file name cannot forge a line of a summary or reverse itself
    in a letter."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if ch in _HIDDEN_FORMATS or unicodedata.category(ch) == "Cc"
        else ch
        for ch in str(text)
    )
