"""The files of one warehouse: the private working file, its build, and the served file.

The working file holds everything the pipeline needs (`raw`, staging, seeds, snapshots, marts) and
only the pipeline opens it. A refresh never writes it in place: it copies it to
`<working>.build`, writes there, and when every check has passed publishes in two atomic renames:
a new served file holding the schema `marts` alone (the public interface) replaces the served
path, the file served until then is kept as `<served>.previous`, and the build becomes the
working file. Readers that opened the old served file keep reading it (its inode lives until they
close it); new readers get the new one. No reader ever sees a half-built table, no reader can
block a publish, and no reader ever sees an internal schema.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from serving import crash_points
from serving.marts_export import export_marts

# How long a small write into the working file (a review's snapshot, a retirement) waits for a
# refresh in progress to publish.
WAIT_FOR_REFRESH_SECONDS = 900


class RefreshInProgress(RuntimeError):
    pass


@dataclass(frozen=True)
class WarehouseFiles:
    served: Path
    working: Path

    @property
    def build(self) -> Path:
        return _beside(self.working, "build")

    @property
    def previous(self) -> Path:
        return _beside(self.served, "previous")

    @property
    def _lock(self) -> Path:
        return _beside(self.served, "lock")

    @property
    def _build_owner(self) -> Path:
        return _beside(self.working, "build.run")

    @property
    def restore_pending(self) -> Path:
        """Written by `kinerja restore` before it replaces the working file, removed once the
        restored release is served: while it is there, the working file and the served marts
        may be of two releases, and a refresh refuses to run (the restore is to be run again)."""
        return _beside(self.working, "restore-pending")

    @property
    def models(self) -> Path:
        """dbt's manifest of the project that built the working file (as `make` parsed it);
        absent: unknown, and the next refresh builds every model."""
        return _beside(self.working, "models.json")

    def _keep_models(self, manifest: Path | None) -> None:
        if manifest is not None:
            shutil.copyfile(manifest, self.models)

    @contextlib.contextmanager
    def refreshing(self):
        """Hold the writer lock from deciding what is new to the publish (which lets it go), or
        raise `RefreshInProgress` at once: a second refresh is told so without waiting."""
        _hold_writer_lock(self._lock)
        try:
            yield
        finally:
            _release_writer_lock(self._lock)

    def being_written(self) -> bool:
        """Whether another process holds the writer lock now (a refresh, a restore...)."""
        if self._lock in _held or not self._lock.exists():
            return False
        descriptor = os.open(self._lock, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(descriptor)
        return False

    def build_for(self, run_id: str) -> Path:
        """The build file of `run_id`, made from the working file the first time a step asks.

        Holding the writer lock for the rest of the process keeps a second refresh out; the
        operating system drops it if the process dies, so a killed refresh leaves no stale lock.
        """
        _hold_writer_lock(self._lock)
        if self._build_owner.exists() and self._build_owner.read_text() == run_id:
            return self.build
        self._build_owner.unlink(missing_ok=True)
        for leftover in (self.build, _wal(self.build)):
            leftover.unlink(missing_ok=True)
        self.build.parent.mkdir(parents=True, exist_ok=True)
        if self.working.exists():
            shutil.copyfile(settled(self.working), self.build)
        self._build_owner.write_text(run_id)
        return self.build

    def built_by(self, run_id: str) -> bool:
        """Whether `run_id` has made its build file (it had something to write)."""
        return self._build_owner.exists() and self._build_owner.read_text() == run_id

    def current_for(self, run_id: str) -> Path:
        """Where `run_id` wrote: its build file while it exists, else the working file."""
        owned = self._build_owner.exists() and self._build_owner.read_text() == run_id
        return self.build if owned and self.build.exists() else self.working

    def publish(self, run_id: str, manifest: Path | None = None) -> None:
        """Serve the marts of the build of `run_id`, keeping the served file as the previous one;
        then the build becomes the working file, built by the dbt project of `manifest`."""
        if not (self._build_owner.exists() and self._build_owner.read_text() == run_id):
            raise RuntimeError(f"no build of run {run_id} to publish")
        if _wal(self.build).exists():
            raise RuntimeError(f"{self.build} was not closed cleanly (a .wal file remains)")
        candidate = _beside(self.served, "next")
        export_marts(self.build, candidate)
        crash_points.reached("publish_exported")
        self._serve(candidate)
        crash_points.reached("publish_served")
        self._build_becomes_working(manifest)

    def _serve(self, candidate: Path) -> None:
        """Serve `candidate`, keeping the file served until now as the previous one."""
        self.served.parent.mkdir(parents=True, exist_ok=True)
        if self.served.exists():
            _replace_with_link(self.served, self.previous)
        os.replace(candidate, self.served)

    def serve_written(self, write) -> None:
        """Serve a file `write(path)` makes (a restored release), under the writer lock."""
        _hold_writer_lock(self._lock)
        try:
            candidate = _beside(self.served, "next")
            for leftover in (candidate, _wal(candidate)):
                leftover.unlink(missing_ok=True)
            write(candidate)
            self._serve(candidate)
        finally:
            _release_writer_lock(self._lock)

    def keep_build(self, run_id: str, manifest: Path | None = None) -> None:
        """Make the build of `run_id` the working file without serving a DuckDB file (the marts
        are served by another engine)."""
        if not (self._build_owner.exists() and self._build_owner.read_text() == run_id):
            raise RuntimeError(f"no build of run {run_id} to keep")
        self._build_becomes_working(manifest)

    def _build_becomes_working(self, manifest: Path | None) -> None:
        """The build replaces the working file, with the dbt project's manifest that built it.
        A `.wal` beside the working file would be replayed into the build on its next opening:
        the working file was settled when the build was copied from it, under the lock held
        since, so whatever is left beside it belongs to no file and goes first."""
        self.models.unlink(missing_ok=True)
        _wal(self.working).unlink(missing_ok=True)
        os.replace(self.build, self.working)
        self._keep_models(manifest)
        self._build_owner.unlink()
        _release_writer_lock(self._lock)

    @contextlib.contextmanager
    def writing_working(self, wait_seconds: float):
        """Hold the writer lock for a small write into the working file (the review snapshot),
        waiting up to `wait_seconds` for a refresh in progress: a refresh replaces the working
        file with its build at publish, which would drop a write made meanwhile."""
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                _hold_writer_lock(self._lock)
                break
            except RefreshInProgress:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(1)
        try:
            yield self.working
        finally:
            _release_writer_lock(self._lock)

    def abandon(self) -> None:
        """Give up the writer lock after a failed refresh; the build stays for inspection."""
        _release_writer_lock(self._lock)

    def rollback(self, record) -> None:
        """Serve the previous generation again (the one served until now becomes the previous),
        after `record(path)` has noted the rollback in a copy of it. The working file is untouched:
        the next successful refresh serves its marts again."""
        if not self.previous.exists():
            raise FileNotFoundError(f"no previous generation at {self.previous}")
        _hold_writer_lock(self._lock)
        try:
            rolled_back = _beside(self.served, "rollback")
            _wal(rolled_back).unlink(missing_ok=True)  # of a rollback killed while it recorded
            shutil.copyfile(self.previous, rolled_back)
            record(rolled_back)
            crash_points.reached("rollback_recorded")
            swap = _beside(self.served, "swap")
            _replace_with_link(self.served, swap)
            os.replace(rolled_back, self.served)
            os.replace(swap, self.previous)
        finally:
            _release_writer_lock(self._lock)


def settled(warehouse: Path) -> Path:
    """`warehouse` with what a process killed while writing it had committed (its `.wal`, which
    DuckDB replays on the next opening) folded into the file, so that the file alone is whole
    and may be copied or moved. The caller holds the writer lock."""
    if _wal(warehouse).exists() and warehouse.exists():
        with duckdb.connect(str(warehouse)) as con:
            con.execute("checkpoint")
    return warehouse


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.name}.{suffix}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _replace_with_link(source: Path, target: Path) -> None:
    """Point `target` at `source`'s file without ever leaving `source` missing."""
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    os.link(source, staging)
    os.replace(staging, target)


# One writer lock per warehouse, held by this process from the first build step to publish.
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
            f"another refresh is writing {lock.with_suffix('')}: try again when it has finished"
        ) from None
    _held[lock] = descriptor


def _release_writer_lock(lock: Path) -> None:
    descriptor = _held.pop(lock, None)
    if descriptor is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
