"""Rating bands: the band a score falls in, and which stated predicates a score allows, by the band
table holding for the score's evaluation year (contracts/reference.py)."""

from __future__ import annotations

import re
from functools import cache

from contracts.reference import Band, all_bands, bands

_PUNCT = re.compile(r"[()\[\]:,–—]+")


def _predicate_key(text: object) -> str:
    # Keep '-': it tells IPP's `A-` from `A`.
    return " ".join(_PUNCT.sub(" ", str(text).lower()).split())


def band_of(index_code: str, score: float, year: int) -> Band | None:
    for band in bands(index_code, year):
        if band.contains(score):
            return band
    return None


def boundary_bands(index_code: str, score: float, year: int) -> set[str]:
    """Bands that share a bound equal to `score`: on a boundary the published predicate wins."""
    return {b.code for b in bands(index_code, year) if score in (b.lower, b.upper)}


def allowed_predicates(index_code: str, score: float, year: int) -> set[str]:
    derived = band_of(index_code, score, year)
    allowed = {derived.code} if derived else set()
    return allowed | boundary_bands(index_code, score, year)


@cache
def _predicate_forms(index_code: str) -> dict[str, str]:
    forms: dict[str, str] = {}
    # The latest period first: where periods label a band differently, its label is the one kept.
    for b in sorted(all_bands(index_code), key=lambda b: b.period.recency, reverse=True):
        for written in (
            b.code,
            b.label,
            f"{b.code} {b.label}",
            f"{b.code} - {b.label}",
            f"{b.label} {b.code}",
            f"level {b.code}",
        ):
            forms.setdefault(_predicate_key(written), b.code)
    return forms


def normalize_predicate(index_code: str, text: object) -> str | None:
    """The band code a written predicate means (`' bb '` -> `BB`, `Pelayanan Prima` -> `A`), else None."""
    key = _predicate_key(text)
    if key.endswith(".0"):  # a level stored as a spreadsheet number: 3.0
        key = key[:-2]
    return _predicate_forms(index_code).get(key)
