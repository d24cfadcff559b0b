"""`kinerja`: the operator's commands, on Click, one module per group of commands:

- `refresh.py`: refresh, validate, serve (getting files into the warehouse)
- `query.py`: query (reading the served marts or a kept release)
- `history.py`: release, rollback, retire, backup, restore (releases and the state behind them)
- `reports.py`: report (the monthly reviews)
- `people.py`: feedback, template (what goes back to the offices that send files)

Exit codes, the same for every command (docs/operations.md):

| code | meaning |
| --- | --- |
| 0 | done (`refresh`: published, or nothing new, and no file refused) |
| 1 | `refresh`: published, but files were refused; `validate`: a file would be refused; `report`: a review was not rendered |
| 2 | `refresh`: not published (a warehouse-wide check failed, the run crashed, or the sources dir is missing or empty) |
| 64 | a wrong option or value, or an operator's mistake (`OperatorError`): one line on stderr |
| 75 | another refresh is writing the warehouse: try again when it has finished |

A usage error comes from Click; an `OperatorError` (`orchestration/mistakes.py`) is one line on
stderr; any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import click

from orchestration.mistakes import OperatorError

PUBLISHED, REFUSED_FILES, NOT_PUBLISHED = 0, 1, 2
USAGE = 64  # sysexits.h EX_USAGE
BUSY = 75  # sysexits.h EX_TEMPFAIL


class _Said(click.ClickException):
    """An operator's mistake or a busy warehouse, said in one line: `kinerja <command>: ...`."""

    def __init__(self, command: str | None, error: Exception, exit_code: int):
        super().__init__(str(error))
        self.command = command
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"kinerja {self.command}: {self.message}", err=True, file=file)


class _Commands(click.Group):
    def invoke(self, ctx: click.Context):
        from serving.generations import RefreshInProgress

        try:
            return super().invoke(ctx)
        except OperatorError as error:
            raise _Said(ctx.invoked_subcommand, error, USAGE) from error
        except RefreshInProgress as error:
            raise _Said(ctx.invoked_subcommand, error, BUSY) from error


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def kinerja() -> None:
    """kinerja: the pipeline and warehouse of local government performance indices."""


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (the table above)."""
    try:
        return kinerja.main(args=argv, prog_name="kinerja", standalone_mode=False) or 0
    except click.UsageError as error:
        error.show()
        return USAGE
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130


def _add_commands() -> None:
    from orchestration.cli import history, people, query, refresh, reports

    for group in (refresh, query, history, reports, people):
        for command in group.COMMANDS:
            kinerja.add_command(command)


_add_commands()
