"""The source manifest: which files or URLs feed each source, and how to read them.

An entry's `source` is an index (`sakip`...) or a reference source (`agencies`, `targets`);
`index` is accepted as its older name. A file's region comes from its folder
(`sakip/<region code>/...`), else from the entry's `pemda_code`: configuration, never code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from ingest.layouts import Options, sources

DEFAULT_MANIFEST = Path(__file__).resolve().parent / "sources.yaml"


@dataclass(frozen=True)
class SourceEntry:
    index: str
    path: str | None = None
    url: str | None = None
    name: str | None = None
    pemda_code: str | None = None
    sheet: str | None = None
    scale: float | None = None
    paging: str | None = None
    page_size: int = 1000
    max_bytes: int = 50 * 1024 * 1024
    timeout_seconds: float = 30.0

    def options(self, pemda_code: str) -> Options:
        """How to read a file of this entry that belongs to `pemda_code`."""
        return Options(pemda_code=pemda_code, sheet=self.sheet, scale=self.scale)

    def local_files(self, sources_dir: Path) -> list[Path]:
        """The files the glob matches, in name order, skipping hidden and Office lock files."""
        if self.path is None:
            return []
        return sorted(
            p
            for p in sources_dir.glob(self.path)
            if p.is_file() and not p.name.startswith((".", "~$"))
        )


class ManifestError(ValueError):
    pass


def load_manifest(path: Path = DEFAULT_MANIFEST) -> list[SourceEntry]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = {f.name for f in fields(SourceEntry)}
    entries = []
    for number, raw in enumerate(document.get("sources") or [], start=1):
        raw = dict(raw)
        if "source" in raw:
            raw["index"] = raw.pop("source")
        unknown = set(raw) - known
        if unknown:
            raise ManifestError(f"{path}: source {number}: unknown keys {sorted(unknown)}")
        if bool(raw.get("path")) == bool(raw.get("url")):
            raise ManifestError(f"{path}: source {number}: give exactly one of path or url")
        if raw.get("index") not in sources():
            raise ManifestError(
                f"{path}: source {number}: unknown source {raw.get('index')!r}; "
                f"expected one of {', '.join(sources())}"
            )
        if raw.get("pemda_code") is not None:
            raw["pemda_code"] = str(raw["pemda_code"])
        entries.append(SourceEntry(**raw))
    return entries
