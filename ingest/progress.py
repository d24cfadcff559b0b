"""How far a refresh has come through its files, for whoever listens.

The ingest steps say each file they are done with (read, or skipped as unchanged) on the logger
`kinerja.progress`; nobody listens by default, so it costs next to nothing. `kinerja refresh`
listens on a terminal with `TerminalProgress`: one line, rewritten in place, with the files done
of the total, the rate and the time left.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TextIO

LOGGER = logging.getLogger("kinerja.progress")
LOGGER.propagate = False  # for its listener alone, never in another handler's log
SHOW_FROM_FILES = 100  # fewer files than this are done before a progress line could help


def files_done(source: str, count: int = 1) -> None:
    """`count` more files of `source` are done."""
    if count and LOGGER.isEnabledFor(logging.INFO):
        LOGGER.info("%s: %d file(s) done", source, count, extra={"files_done": count})


class TerminalProgress(logging.Handler):
    """`12,345/10,000 files, 410 files/s, about 21 s left` on one terminal line, at most every
    `every_seconds`. Silent when the stream is not a terminal or the total is small."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        every_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(logging.INFO)
        self.total, self.stream, self.every, self.clock = total, stream, every_seconds, clock
        self.shown = total >= SHOW_FROM_FILES and stream.isatty()
        self.done = 0
        # The rate is timed from the first files done, not from the run's set-up before them.
        self.started: tuple[float, int] | None = None
        self.last_shown = float("-inf")

    def emit(self, record: logging.LogRecord) -> None:
        self.done = min(self.total, self.done + getattr(record, "files_done", 0))
        now = self.clock()
        if self.started is None:
            self.started = (now, self.done)
        if self.shown and (now - self.last_shown >= self.every or self.done == self.total):
            self.last_shown = now
            self.stream.write("\r" + self.line(now) + "\033[K")
            self.stream.flush()

    def line(self, now: float) -> str:
        since, done_then = self.started or (now, 0)
        elapsed = now - since
        if self.done == self.total:
            return f"{self.done:,}/{self.total:,} files read in {elapsed:.0f} s; building..."
        if elapsed < 1:
            return f"{self.done:,}/{self.total:,} files"
        rate = (self.done - done_then) / elapsed
        left = f"about {(self.total - self.done) / rate:.0f} s left" if rate else "waiting"
        return f"{self.done:,}/{self.total:,} files, {rate:,.0f} files/s, {left}"

    def close(self) -> None:
        if self.shown and self.last_shown > float("-inf"):
            self.stream.write("\n")
            self.stream.flush()
        super().close()


def listen(handler: TerminalProgress) -> Callable[[], None]:
    """Start showing progress on `handler`; returns what stops it."""
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)

    def stop() -> None:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(logging.NOTSET)
        handler.close()

    return stop
