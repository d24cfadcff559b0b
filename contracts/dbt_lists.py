"""What the dbt project takes from the seeds but cannot read itself when it parses: the indices
with their component columns (the macro `kinerja_indices()`, which the union models, the
scorecard and the singular tests loop over) and the scorecard's columns per index (its enforced
contract must name them). `python -m contracts.dbt_lists` writes both from `indices.csv` and
`components.csv`; make runs it before dbt parses, and a test keeps the committed files current.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from contracts import reference

DBT_PROJECT = reference.SEEDS_DIR.parent
MACRO = DBT_PROJECT / "macros" / "kinerja_indices.sql"
SCORECARD = DBT_PROJECT / "models" / "marts" / "agency_scorecard.yml"
_PER_INDEX = re.compile(r"\w+_(score|band|change)")


def macro_text() -> str:
    indices = {code: [c.code for c in reference.components(code)] for code in reference.indices()}
    body = ",\n".join(
        f"    {json.dumps(code)}: {json.dumps(cols)}" for code, cols in indices.items()
    )
    return (
        "{#- Written by `python -m contracts.dbt_lists` from seeds/indices.csv and\n"
        "    seeds/components.csv (make does it before dbt parses): do not edit. Every index with\n"
        "    its component columns, in the seed's order. -#}\n"
        "{% macro kinerja_indices() -%}\n"
        "{{ return({\n" + body + "\n}) }}\n"
        "{%- endmacro %}\n"
    )


def scorecard_text() -> str:
    """The scorecard's YAML with a score, band and change column for every index of the seed."""
    document = yaml.safe_load(SCORECARD.read_text(encoding="utf-8"))
    model = document["models"][0]
    fixed = [c for c in model["columns"] if not _PER_INDEX.fullmatch(c["name"])]
    per_index = []
    for code in reference.indices():
        name = code.upper()
        per_index += [
            {"name": f"{code}_score", "data_type": "double precision",
             "description": f"{name} score on its own scale (null when not scored that year)."},
            {"name": f"{code}_band", "data_type": "varchar", "description": f"{name} band."},
            {"name": f"{code}_change", "data_type": "double precision",
             "description": f"{name} score minus the score of the year before, rounded to 2 "
             "decimals (agency_score_trend; null when either is missing)."},
        ]  # fmt: skip
    model["columns"] = fixed + per_index
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def stale() -> list[Path]:
    """The generated files that the seeds no longer give."""
    return [
        path
        for path, text in ((MACRO, macro_text()), (SCORECARD, scorecard_text()))
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]


def write() -> list[Path]:
    """Write the generated files the seeds changed; the ones written."""
    written = []
    for path, text in ((MACRO, macro_text()), (SCORECARD, scorecard_text())):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
    sys.exit(0)
