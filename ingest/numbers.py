"""Numbers as Indonesian and English documents write them: `95,00`, `1.234,5`, `76, 21`, `4.08`."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from contracts.messages import said

_INTEGER = re.compile(r"[+-]?\d+")
_DOT_THOUSANDS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_COMMA_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+")


class NumberFormatError(ValueError):
    """A cell that is not a number, or that could be read as two different numbers."""


def parse_number(value: object) -> float | None:
    """Read a cell as a float; None for a blank cell.

    A single comma is a decimal comma (Indonesian style). A single dot is a decimal point unless it
    is followed by exactly three digits (`1.234`): that is a thousands dot in an Indonesian copy and
    a decimal point in an English one, so it is refused rather than guessed.
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise NumberFormatError(_not_a_number(value))
    if isinstance(value, int | float):
        return None if math.isnan(value) else float(value)
    return _parse_text(str(value))


@lru_cache(maxsize=1 << 16)
def _parse_text(value: str) -> float | None:
    """A number written as text; the same texts recur across a source's files: read each once."""
    text = value.replace("\u00a0", "").replace(" ", "").strip()
    if not text or text in {"-", "–"}:
        return None
    if _INTEGER.fullmatch(text):
        return float(text)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, fraction = text.rpartition(decimal)
        grouped = _DOT_THOUSANDS if thousands == "." else _COMMA_THOUSANDS
        if not grouped.fullmatch(whole) or not fraction.isdigit():
            raise NumberFormatError(_not_a_number(value))
        return float(whole.replace(thousands, "") + "." + fraction)
    if text.count(",") == 1:
        return _plain_float(text.replace(",", "."), value)
    if text.count(".") == 1:
        if _DOT_THOUSANDS.fullmatch(text):
            raise NumberFormatError(
                said(
                    "ambiguous number '{value}': the dot may be a thousands separator or a "
                    "decimal point; write it with a decimal comma (1,234 or 1.234,0)",
                    value=value,
                )
            )
        return _plain_float(text, value)
    if _DOT_THOUSANDS.fullmatch(text):
        return float(text.replace(".", ""))
    raise NumberFormatError(_not_a_number(value))


def _plain_float(text: str, original: object) -> float:
    try:
        return float(text)
    except ValueError:
        raise NumberFormatError(_not_a_number(original)) from None


def _not_a_number(value: object):
    return said("'{value}' is not a number", value=str(value))


def rescale_half_up(value: float, top: float, scale_top: float, digits: int = 2) -> float:
    """`value` on 0-`scale_top` brought to 0-`top`, computed on the decimal value as a person does
    (90,10 on 0-100 is 4,505 on 0-5, so 4,51), not as binary floats do (70.3 / 20 is
    3.5149999... in floats, which would round to 3,51 instead of 3,52)."""
    exact = Decimal(repr(value)) * Decimal(repr(top)) / Decimal(repr(scale_top))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
