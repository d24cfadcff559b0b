"""The one kind of error an operator can put right from its message alone.

Code anywhere in kinerja raises `OperatorError` on purpose for what a person asked wrongly or
set up wrongly: a release that is not kept, a backup folder without a backup, a sources dir that
does not exist, nothing to roll back to. The CLI says it in one line on stderr and exits 64
(`orchestration/cli`). Any other exception is a bug and keeps its traceback. Light on purpose:
every layer (ingest, serving, reports) may import it.
"""


class OperatorError(Exception):
    """A mistake an operator can put right from the message alone."""
