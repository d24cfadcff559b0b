"""What several commands take: `--target`, region codes, months and dates, checked by Click
before a command runs (a wrong value is a usage error naming its option)."""

from __future__ import annotations

import dataclasses
from datetime import date

import click

from serving.engines import ENGINES

target_option = click.option(
    "--target",
    type=click.Choice(list(ENGINES)),
    help="Where the marts are built and served (default KINERJA_TARGET, else duckdb).",
)


def settings_for(target: str | None = None):
    """The settings (orchestration/settings.py), with the target the command line names."""
    from orchestration.settings import from_env

    settings = from_env()
    return dataclasses.replace(settings, target=target) if target else settings


class RegionCode(click.ParamType):
    """A Kemendagri code of the region list: a regency or city (`32.16`), or with `province`
    a province (`32`)."""

    def __init__(self, province: bool = False):
        self.province = province
        self.name = "province code" if province else "region code"

    def convert(self, value, param, ctx) -> str:
        from contracts import reference

        code = str(value).strip()
        regions = reference.regions().values()
        known = (
            {r.province_code for r in regions} if self.province else {r.pemda_code for r in regions}
        )
        if code not in known:
            example = "32 (Jawa Barat)" if self.province else "32.16 (Kabupaten Bekasi)"
            kind = "province" if self.province else "regency or city"
            self.fail(f"{code!r} is no {kind} of the Kemendagri region list, e.g. {example}")
        return code


class Month(click.ParamType):
    """A review month, `YYYY-MM`."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        from reports.review_data import ReviewMonth

        if isinstance(value, ReviewMonth):
            return value
        try:
            return ReviewMonth.parse(value)
        except ValueError as error:
            self.fail(str(error))


class Day(click.ParamType):
    """A calendar date, `YYYY-MM-DD`."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            self.fail(f"{value!r} is not a date YYYY-MM-DD ({error})")
