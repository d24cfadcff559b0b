"""Progress of a long refresh: each file said done once, shown on a terminal as files done of the
total, rate and time left; nothing written where no terminal is."""

import io

from ingest import progress
from ingest.options import Options
from ingest.pipeline import PARALLEL_FROM_FILES, check_files
from tests.conftest import BEKASI, SAMPLES, sample_masters


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_shows_files_done_of_the_total_the_rate_and_the_time_left():
    terminal, clock = Terminal(), Clock()
    stop = progress.listen(progress.TerminalProgress(1_000, terminal, clock=clock))
    try:
        progress.files_done("agencies", 10)  # the clock starts with the first files done
        assert terminal.getvalue() == "\r10/1,000 files\033[K"
        clock.now += 5
        progress.files_done("sakip", 250)
        assert terminal.getvalue().endswith("\r260/1,000 files, 50 files/s, about 15 s left\033[K")
        clock.now += 0.1  # too soon to draw again
        progress.files_done("sakip", 10)
        assert "270/" not in terminal.getvalue()
        clock.now += 10
        progress.files_done("ipp", 730)
    finally:
        stop()
    assert terminal.getvalue().endswith("1,000/1,000 files read in 15 s; building...\033[K\n")


def test_no_terminal_or_few_files_shows_nothing():
    for stream, total in ((io.StringIO(), 10_000), (Terminal(), progress.SHOW_FROM_FILES - 1)):
        stop = progress.listen(progress.TerminalProgress(total, stream))
        progress.files_done("rb", total)
        stop()
        assert stream.getvalue() == ""


def test_every_file_read_is_said_done_once_also_by_the_parallel_readers():
    sample = SAMPLES / "rb" / BEKASI / "rb_2024.csv"
    files = [(sample, Options(pemda_code=BEKASI), f"rb/{BEKASI}/rb_{n}.csv") for n in range(130)]
    assert len(files) >= 2 * PARALLEL_FROM_FILES  # two processes read them
    counter = progress.TerminalProgress(len(files), io.StringIO())
    stop = progress.listen(counter)
    try:
        checked = check_files("rb", files, sample_masters())
    finally:
        stop()
    assert counter.done == len(files) == len(checked.issues)
