"""The floor: `fct_agency_score` built from the generator's files by one plain DuckDB script.

No orchestration, no validation, no landing, no lineage: DuckDB reads the CSV and JSON files
itself with globs, python-calamine reads the workbooks, one SQL statement resolves agency names
through the masters and derives each band. It is the yardstick for `bench/run.py`: what reading
these files and building the fact costs at the least on this machine. Written once,
straightforwardly, and kept fixed; it knows the generator's layouts, which the pipeline must not.

    python bench/floor.py SOURCES_DIR
"""

from __future__ import annotations

import re
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
from python_calamine import CalamineWorkbook

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
_YEAR = re.compile(r"(20\d\d)")


def _number(value: object) -> float:
    return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)


def workbook_rows(sources: Path) -> list[tuple]:
    """(region, index, year, written name, score on the index's scale) of every workbook row."""
    rows = []
    for path in sorted(sources.glob("*/*/*.xlsx")):
        index, region, year = path.parts[-3], path.parts[-2], int(_YEAR.search(path.name)[1])
        book = CalamineWorkbook.from_path(str(path))
        for sheet in book.sheet_names:
            table = book.get_sheet_by_name(sheet).to_python()
            header = next(i for i, row in enumerate(table) if row and row[0] == "No")
            for row in table[header + 1 :]:
                if not isinstance(row[0], int | float) or row[0] == "":
                    continue  # the Rata-rata row
                if index == "ipp":
                    exact = Decimal(str(_number(row[2]))) / 20
                    score = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                else:
                    score = _number(row[6])
                rows.append((region, index, year, row[1], score))
    return rows


SQL = """
create table names as
with forms as (
    select split_part(filename, '/', -2) as pemda_code, agency_code, unnest(
        [agency_code, agency_name, agency_short_name] || string_split(coalesce(aliases, ''), '|')
    ) as written
    from read_csv('{src}/agencies/*/*.csv', all_varchar = true, filename = true)
)
select distinct pemda_code, agency_code, {key} as name_key from forms where written <> '';

create table scores as
select split_part(filename, '/', -2) as pemda_code, 'sakip' as index_code,
       regexp_extract(filename, '(20\\d\\d)', 1)::int as evaluation_year,
       "Perangkat Daerah" as written, "Nilai" as score
from read_csv('{src}/sakip/*/sakip_20??.csv', skip = 3, delim = ';', decimal_separator = ',',
              header = true, filename = true)
where "No" is not null
union all
select split_part(filename, '/', -2), 'sakip', "Tahun", "Perangkat Daerah", "Nilai"
from read_csv('{src}/sakip/*/sakip_kabupaten_*.csv', filename = true)
union all
select split_part(filename, '/', -2), 'rb', "Tahun", "Perangkat Daerah", "Nilai"
from read_csv('{src}/rb/*/*.csv', delim = ';', decimal_separator = ',', filename = true)
union all
select split_part(filename, '/', -2), 'merit', "Tahun", "Instansi", "Nilai"
from read_csv('{src}/merit/*/*.csv', delim = ';', decimal_separator = ',', filename = true)
union all
select kode_wilayah, 'spbe', tahun, kode_wilayah, indeks
from read_json('{src}/spbe/*/*.json')
union all
select r.kode_wilayah, 'spip', r.tahun, r.kode_wilayah, replace(r.skor_maturitas, ',', '.')::double
from (select unnest(result.records) as r from read_json('{src}/spip/*/*.json'))
union all
select * from workbook_rows;

create table fct_agency_score as
select n.agency_code, s.index_code, s.evaluation_year, s.score, b.band_code, b.band_rank
from scores s
join names n on n.pemda_code = s.pemda_code
    and n.name_key = {written_key}
join read_csv('{seeds}/rating_bands.csv', types = {{'band_code': 'varchar'}}) b
    on b.index_code = s.index_code
    and (s.score > b.lower_bound or (b.lower_inclusive and s.score = b.lower_bound))
    and (s.score < b.upper_bound or (b.upper_inclusive and s.score = b.upper_bound));
"""


def _key(column: str) -> str:
    folded = f"lower(regexp_replace(trim({column}), '\\s+', ' ', 'g'))"
    return f"regexp_replace({folded}, '^kec\\. ?', 'kecamatan ')"


def build(sources: Path) -> int:
    with duckdb.connect() as con:
        columns = ["pemda_code", "index_code", "evaluation_year", "written", "score"]
        con.register("workbook_rows", pd.DataFrame(workbook_rows(sources), columns=columns))
        con.execute(
            SQL.format(src=sources, seeds=SEEDS, key=_key("written"), written_key=_key("s.written"))
        )
        return con.execute("select count(*) from fct_agency_score").fetchone()[0]


if __name__ == "__main__":
    started = time.monotonic()
    rows = build(Path(sys.argv[1]))
    print(f"fct_agency_score: {rows} rows in {time.monotonic() - started:.2f} s")
