"""The files of one warehouse: the served one, the build in progress, the previous generation.

A refresh never writes the served file. It copies it to `<served>.build`, writes there, and when
every check has passed replaces the served path by an atomic rename. Readers that opened the old
file keep reading it (its inode lives until they close it); new readers get the new one. No
reader ever sees a half-built table, and no reader's open file can block a publish.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path


class RefreshInProgress(RuntimeError):
    pass


@dataclass(frozen=True)
class WarehouseFiles:
    served: Path

    @property
    def build(self) -> Path:
        return self._beside("build")

    @property
    def previous(self) -> Path:
        return self._beside("previous")

    @property
    def _lock(self) -> Path:
        return self._beside("lock")

    @property
    def _build_owner(self) -> Path:
        return self._beside("build.run")

    def _beside(self, suffix: str) -> Path:
        return self.served.with_name(f"{self.served.name}.{suffix}")

    def build_for(self, run_id: str) -> Path:
        """The build file of `run_id`, made from the served file the first time a step asks.

        Holding the writer lock for the rest of the process keeps a second refresh out; the
        operating system drops it if the process dies, so a killed refresh leaves no stale lock.
        """
        _hold_writer_lock(self._lock)
        if self._build_owner.exists() and self._build_owner.read_text() == run_id:
            return self.build
        self._build_owner.unlink(missing_ok=True)
        for leftover in (self.build, _wal(self.build)):
            leftover.unlink(missing_ok=True)
        if self.served.exists():
            shutil.copyfile(self.served, self.build)
        self._build_owner.write_text(run_id)
        return self.build

    def current_for(self, run_id: str) -> Path:
        """Where `run_id` wrote: its build file while it exists, else the served file."""
        owned = self._build_owner.exists() and self._build_owner.read_text() == run_id
        return self.build if owned and self.build.exists() else self.served

    def publish(self, run_id: str) -> None:
        """Make the build of `run_id` the served file, keeping the served one as the previous."""
        if not (self._build_owner.exists() and self._build_owner.read_text() == run_id):
            raise RuntimeError(f"no build of run {run_id} to publish")
        if _wal(self.build).exists():
            raise RuntimeError(f"{self.build} was not closed cleanly (a .wal file remains)")
        if self.served.exists():
            _replace_with_link(self.served, self.previous)
        os.replace(self.build, self.served)
        self._build_owner.unlink()
        _release_writer_lock(self._lock)

    def abandon(self) -> None:
        """Give up the writer lock after a failed refresh; the build stays for inspection."""
        _release_writer_lock(self._lock)

    def rollback(self) -> None:
        """Serve the previous generation again; the one served until now becomes the previous."""
        if not self.previous.exists():
            raise FileNotFoundError(f"no previous generation at {self.previous}")
        _hold_writer_lock(self._lock)
        try:
            swap = self._beside("swap")
            _replace_with_link(self.served, swap)
            os.replace(self.previous, self.served)
            os.replace(swap, self.previous)
        finally:
            _release_writer_lock(self._lock)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _replace_with_link(source: Path, target: Path) -> None:
    """Point `target` at `source`'s file without ever leaving `source` missing."""
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    os.link(source, staging)
    os.replace(staging, target)


# One writer lock per warehouse file, held by this process from the first build step to publish.
_held: dict[Path, int] = {}


def _hold_writer_lock(lock: Path) -> None:
    if lock in _held:
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise RefreshInProgress(
            f"another refresh is writing {lock.with_suffix('')}; try again when it has finished"
        ) from None
    _held[lock] = descriptor


def _release_writer_lock(lock: Path) -> None:
    descriptor = _held.pop(lock, None)
    if descriptor is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
