"""A folder written whole or not at all, readable as the umask says.

Whoever writes a folder that others read (a release's marts, a month's review) writes it into a
staging folder beside it and then puts it in place by renames: a reader finds the old folder or
the new one, never half of one. The staging folder is made with `os.mkdir`, so it has the mode
the umask gives any folder (`tempfile.mkdtemp` would make it 0700: a web server or an analysts'
group could not read the review or the open release).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path


@contextlib.contextmanager
def written_whole(target: Path):
    """A new folder beside `target` to write into; when the block ends without error it takes
    `target`'s place (the old one goes), else it goes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _put_in_place(staging, target)


def _put_in_place(new: Path, target: Path) -> None:
    """Put `new` where `target` is, keeping no trace of the old one or of earlier attempts."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.*.partial"):  # writers cut off earlier
        shutil.rmtree(leftover, ignore_errors=True)
