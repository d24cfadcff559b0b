"""What goes back to the offices that send files: `kinerja feedback` and `template`."""

from __future__ import annotations

from datetime import date, timedelta

import click

from contracts.sources import spreadsheet_sources
from orchestration.cli.options import Day, RegionCode, settings_for, target_option

DEFAULT_DEADLINE_DAYS = 14  # a correction letter asks for the corrected file within two weeks


@click.command()
@click.option("--since", type=Day(), help="Files refused from this day (default: ever).")
@click.option(
    "--regency", type=RegionCode(), help="A region code, e.g. 32.16 (default: every one)."
)
@click.option(
    "--deadline",
    type=Day(),
    help="The day the letters ask for the corrected files "
    f"(default: in {DEFAULT_DEADLINE_DAYS} days).",
)
@click.option("--no-pdf", is_flag=True, help="Letters as HTML only.")
def feedback(since: date | None, regency: str | None, deadline: date | None, no_pdf: bool) -> int:
    """Send refused files back: each annotated in Bahasa Indonesia, and a letter per sending
    office and month."""
    from reports.feedback import write_packs

    settings = settings_for()
    deadline = deadline or date.today() + timedelta(days=DEFAULT_DEADLINE_DAYS)
    packs = write_packs(settings, since, regency, deadline, pdf=not no_pdf)
    if not packs:
        print("no refused file to send back" + (f" since {since}" if since else ""))
    for pack in packs:
        print(f"{pack.regency}: {len(pack.workbooks)} annotated file(s), letters:")
        for path in [*pack.workbooks, *pack.letters]:
            print(f"  {path}")
    return 0


@click.command()
@target_option
@click.option("--regency", required=True, type=RegionCode(), help="A region code, e.g. 32.16.")
@click.option("--source", required=True, type=click.Choice(spreadsheet_sources()))
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The evaluation year.")
def template(target: str | None, regency: str, source: str, year: int) -> int:
    """A fill-in workbook of a source for a regency and year: its agencies, drop-downs and the
    contract's checks."""
    from reports.fill_in import write_template
    from serving.engines import engine_for

    settings = settings_for(target)
    with engine_for(settings).reader() as read:
        path = write_template(read, source, regency, year, settings.templates_dir)
    print(path)
    return 0


COMMANDS = [feedback, template]
