"""How what people read writes numbers, dates and names in Bahasa Indonesia, through Babel's `id`
locale: `61,79`, `1.234,50`, `Desember 2025`, `24 November 2026 11.29 WITA`. The warehouse keeps
times in UTC; a time is shown in the zone of the region it is about."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "id"
GROUPS = {"perangkat_daerah": "Perangkat Daerah", "kecamatan": "Kecamatan"}
SOURCE_NAMES = {"agencies": "Master perangkat daerah", "targets": "Target kinerja"}
MISSING = "–"
# Indonesia's three legal time zones (Keppres 41/1987), by the Kemendagri code of the province:
# WITA for Bali, Nusa Tenggara, South, East and North Kalimantan and Sulawesi; WIT for Maluku and
# Papua; WIB for the rest.
_MAKASSAR = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_JAYAPURA = {"81", "82", "91", "92", "93", "94", "95", "96"}


def angka(value, decimals: int = 2, signed: bool = False) -> str:
    """61.79 -> '61,79'; 1234.5 -> '1.234,50'; signed adds '+' to a rise."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=LOCALE)


def bulan_tahun(year: int, month: int) -> str:
    return format_date(datetime(year, month, 1), "MMMM y", locale=LOCALE)


def tanggal(value) -> str:
    """A date as written in a letter: '17 Desember 2026'."""
    return format_date(value, "d MMMM y", locale=LOCALE)


@cache
def zona(region_code: str | None) -> ZoneInfo:
    """The time zone of a region (its province's); Jakarta's when the region is not known."""
    province = (region_code or "").split(".")[0]
    if province in _MAKASSAR:
        return ZoneInfo("Asia/Makassar")
    if province in _JAYAPURA:
        return ZoneInfo("Asia/Jayapura")
    return ZoneInfo("Asia/Jakarta")


def waktu(value, region_code: str | None = None) -> str:
    """A UTC time of the warehouse in the region's zone: '24 November 2026 11.29 WIB'."""
    if value is None or pd.isna(value):
        return MISSING
    moment = pd.Timestamp(value).to_pydatetime().replace(tzinfo=UTC)
    return format_datetime(moment, "d MMMM y HH.mm z", tzinfo=zona(region_code), locale=LOCALE)


def nama_indeks(index_code: str) -> str:
    """The short name leaders use: SAKIP, RB, SPIP, SPBE, IPP, Merit."""
    return "Merit" if index_code == "merit" else index_code.upper()


def nama_sumber(source_code: str) -> str:
    return SOURCE_NAMES.get(source_code, nama_indeks(source_code))


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
