"""The immutable landing area: every source file as it arrived, keyed by its sha256."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def land(path: Path, sha256: str, landing_dir: Path) -> Path:
    """Copy `path` to `<landing_dir>/<sha256><suffix>` once, read-only; return the landed path.

    The copy goes to a temporary name first and is renamed into place, so a landed file is never
    partial. A file already landed is left untouched: landing is write-once.
    """
    target = landing_dir / f"{sha256}{path.suffix.lower()}"
    if target.exists():
        return target
    landing_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(path, partial)
    os.chmod(partial, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(partial, target)
    return target


def sweep_partials(landing_dir: Path) -> None:
    """Remove what a process killed mid-copy or mid-download left (`.<name>.partial`) anywhere in
    the landing area; run by the refresh that holds the writer lock, so nothing else writes them."""
    if landing_dir.is_dir():
        for partial in landing_dir.rglob(".*.partial"):
            partial.unlink(missing_ok=True)
