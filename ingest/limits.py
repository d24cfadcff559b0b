"""How much a source file may hold before it is refused unread.

A score file of one regency is a few kilobytes; these bounds sit far above any real file and far
below what would exhaust the machine, so a hostile or broken file (a zip bomb, a sheet that
claims a million rows, JSON nested ten thousand deep) gets a refusal that names the setting
instead of a crash or an hour of work. Set them in the manifest (`limits:` at the top for every
source, or in one entry for its files).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 25 * MIB  # a file on disk, or a download
    max_uncompressed_bytes: int = 100 * MIB  # an XLSX's members once unzipped
    max_sheet_cells: int = 500_000  # the cells one sheet declares or holds
    max_json_depth: int = 32  # nesting of objects and lists

    def updated(self, settings: dict | None, where: str) -> Limits:
        """These limits with `settings` (from the manifest) applied; unknown names are refused."""
        if not settings:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(
                f"{where}: unknown limits {sorted(unknown)}; expected some of {sorted(known)}"
            )
        bad = {k: v for k, v in settings.items() if not isinstance(v, int) or v <= 0}
        if bad:
            raise ValueError(f"{where}: limits must be positive whole numbers: {bad}")
        return replace(self, **settings)


def size_text(n_bytes: int) -> str:
    """`52.4 MB` for people; bytes below a megabyte."""
    return f"{n_bytes / MIB:,.1f} MB" if n_bytes >= MIB else f"{n_bytes:,} bytes"
