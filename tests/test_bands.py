"""Band derivation at both sides of every bound of every table in docs/indices.md."""

import pytest

from contracts.bands import allowed_predicates, band_of, normalize_predicate

CASES = {
    "sakip": [(100, "AA"), (90.01, "AA"), (90, "A"), (80.01, "A"), (80, "BB"), (70.01, "BB"),
              (70, "B"), (60.01, "B"), (60, "CC"), (50.01, "CC"), (50, "C"), (30.01, "C"),
              (30, "D"), (0, "D"), (50.29, "CC"), (61.79, "B"), (62.74, "B"), (80.68, "A")],
    "rb": [(90.01, "AA"), (90, "A"), (70, "B"), (30, "D")],
    "spip": [(5, "5"), (4.5, "5"), (4.49, "4"), (4, "4"), (3.99, "3"), (3, "3"), (2.99, "2"),
             (2, "2"), (1.99, "1"), (1, "1"), (0.99, "0"), (0, "0"), (3.12, "3")],
    "spbe": [(5, "Memuaskan"), (4.2, "Memuaskan"), (4.19, "Sangat Baik"), (3.5, "Sangat Baik"),
             (3.49, "Baik"), (2.6, "Baik"), (2.59, "Cukup"), (1.8, "Cukup"), (1.79, "Kurang"),
             (1.6, "Kurang"), (1.71, "Kurang"), (3.28, "Baik"), (4.08, "Sangat Baik"),
             (4.48, "Memuaskan")],
    "ipp": [(5, "A"), (4.51, "A"), (4.5, "A-"), (4.01, "A-"), (4, "B"), (3.51, "B"), (3.5, "B-"),
            (3.01, "B-"), (3, "C"), (2.51, "C"), (2.5, "C-"), (2.01, "C-"), (2, "D"), (1.51, "D"),
            (1.5, "E"), (1.01, "E"), (1, "F"), (0, "F"), (4.89, "A")],
    "merit": [(400, "IV"), (325, "IV"), (324.5, "III"), (324, "III"), (250, "III"),
              (249.5, "II"), (175, "II"), (174.5, "I"), (100, "I"), (375.5, "IV")],
}  # fmt: skip


@pytest.mark.parametrize(
    ("index_code", "score", "band"), [(i, s, b) for i, cases in CASES.items() for s, b in cases]
)
def test_band_of_score(index_code, score, band):
    assert band_of(index_code, score).code == band


def test_a_score_on_a_boundary_allows_either_neighbouring_band():
    assert allowed_predicates("sakip", 80) == {"BB", "A"}
    assert allowed_predicates("sakip", 80.5) == {"A"}
    assert allowed_predicates("ipp", 4.5) == {"A-", "A"}


@pytest.mark.parametrize(
    ("index_code", "written", "code"),
    [
        ("sakip", " bb ", "BB"),
        ("sakip", "Sangat Memuaskan", "AA"),
        ("ipp", "A (Pelayanan Prima)", "A"),
        ("ipp", "Pelayanan Prima", "A"),
        ("ipp", "A- - Sangat Baik", "A-"),
        ("ipp", "Baik (Dengan Catatan)", "B-"),
        ("spip", 3.0, "3"),
        ("spip", "Level 4", "4"),
        ("merit", "III - Baik", "III"),
        ("merit", "baik", "III"),
        ("spbe", "sangat baik", "Sangat Baik"),
        ("sakip", "Excellent", None),
    ],
)
def test_predicates_as_written_map_to_band_codes(index_code, written, code):
    assert normalize_predicate(index_code, written) == code
