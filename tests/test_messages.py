"""What a data owner reads is Bahasa Indonesia, from the catalog, for every message the code says."""

import re
import string
from pathlib import Path

from babel.messages.extract import extract_from_dir

from contracts.failures import ERROR
from contracts.messages import _catalog, in_indonesian, is_structure
from ingest.options import Options
from ingest.pipeline import check_file
from tests import builders as b
from tests.conftest import BEKASI, sample_masters

ROOT = Path(__file__).parent.parent


def _said_in_code() -> set[str]:
    return {
        message
        for folder in ("contracts", "ingest", "reports")
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, keywords={"said": None}, comment_tags=()
        )
    }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_the_code_says_has_an_indonesian_translation_with_the_same_blanks():
    said = _said_in_code()
    catalog = _catalog()
    assert len(said) > 90  # the extractor finds the messages (not an empty, vacuous set)
    untranslated = sorted(m for m in said - set(catalog) if not is_structure(m))
    assert not untranslated, f"translate these in the .po (make messages): {untranslated}"
    for message in said - {m for m in said if is_structure(m)}:
        assert _placeholders(catalog[message]) == _placeholders(message), message


def test_a_refused_file_is_explained_in_indonesian_with_decimal_commas(tmp_path):
    rows = [
        [1, "Sekretariat Daerah", "24,50", "22,00", "11,25", "18,00", "75,75", "A"],
        [2, "Dinas Kominfo Kab", "18,00", "17,50", "9,00", "15,00", "59,50", "CC"],
        [3, "Kec. Babelan", "40,00", "17,50", "9,00", "15,00", "81,50", "A"],
    ]
    path = b.sakip_csv(tmp_path / "sakip_2023.csv", rows=rows)
    _, issues = check_file("sakip", path, Options(pemda_code=BEKASI), sample_masters())
    errors = {(i.row, i.column): in_indonesian(i.message) for i in issues if i.severity == ERROR}

    assert errors[(2, "Predikat")] == (
        "nilai 75,75 termasuk predikat BB, sedangkan berkas menulis A: sesuaikan predikat "
        "dengan nilainya"
    )
    assert errors[(3, "Perangkat Daerah")].startswith(
        "nama perangkat daerah tidak ada dalam daftar perangkat daerah 32.16; nama terdekat: "
        "'Dinas Komunikasi, Informatika, Persandian dan Statistik'"
    )
    assert errors[(4, "Perencanaan Kinerja")] == (
        "di luar rentang yang diperbolehkan, 0 sampai 30: periksa kembali nilainya"
    )
    english = re.compile(r"\b(the|is|not|of|agency|score)\b")
    assert not [text for text in errors.values() if english.search(text)]
