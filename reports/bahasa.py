"""How the review writes numbers, dates and names in Bahasa Indonesia: `61,79`, `1.234,5`,
`Desember 2025`, `24 November 2026 11.29 WIB` (the warehouse keeps times in UTC)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
WIB = timezone(timedelta(hours=7), "WIB")
GROUPS = {"perangkat_daerah": "Perangkat Daerah", "kecamatan": "Kecamatan"}
SOURCE_NAMES = {"agencies": "Master perangkat daerah", "targets": "Target kinerja"}
MISSING = "–"


def angka(value, decimals: int = 2, signed: bool = False) -> str:
    """61.79 -> '61,79'; 1234.5 -> '1.234,50'; signed adds '+' to a rise."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    text = f"{value:{'+' if signed else ''},.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def bulan_tahun(year: int, month: int) -> str:
    return f"{BULAN[month - 1]} {year}"


def waktu(value) -> str:
    """A UTC timestamp of the warehouse as Jakarta time: '24 November 2026 11.29 WIB'."""
    if value is None or pd.isna(value):
        return MISSING
    moment = pd.Timestamp(value).to_pydatetime().replace(tzinfo=UTC).astimezone(WIB)
    return f"{moment.day} {BULAN[moment.month - 1]} {moment.year} {moment:%H.%M} WIB"


def nama_indeks(index_code: str) -> str:
    """The short name leaders use: SAKIP, RB, SPIP, SPBE, IPP, Merit."""
    return "Merit" if index_code == "merit" else index_code.upper()


def nama_sumber(source_code: str) -> str:
    return SOURCE_NAMES.get(source_code, nama_indeks(source_code))


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
