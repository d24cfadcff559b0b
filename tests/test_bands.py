"""Band derivation at both sides of every bound of every table in docs/indices.md, and of every
bound of every rule period (a score is banded by the rules of its evaluation year)."""

import csv
import shutil

import pytest

from contracts import bands as band_rules
from contracts import reference
from contracts.bands import allowed_predicates, band_of, normalize_predicate
from tests import builders as b

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
    assert band_of(index_code, score, 2024).code == band


def test_a_score_on_a_boundary_allows_either_neighbouring_band():
    assert allowed_predicates("sakip", 80, 2024) == {"BB", "A"}
    assert allowed_predicates("sakip", 80.5, 2024) == {"A"}
    assert allowed_predicates("ipp", 4.5, 2024) == {"A-", "A"}


@pytest.mark.parametrize(
    ("index_code", "year", "rule_version"),
    [
        ("sakip", 2020, None),  # before 88/2021: 12/2015's cut points are not cited yet
        ("sakip", 2021, "PermenPAN-RB 88/2021"),
        # 19/2025 replaces 40/2018 from 2026 with a new model whose files are refused: 40/2018's
        # table stays open until 19/2025's table is cited.
        ("merit", 2026, "PermenPAN-RB 40/2018"),
        ("spbe", 2010, "PermenPAN-RB 59/2020"),  # no period bound cited: open
    ],
)
def test_the_cited_periods_at_both_sides_of_their_bounds(index_code, year, rule_version):
    found = {band.period.rule_version for band in reference.bands(index_code, year)}
    assert found == ({rule_version} if rule_version else set())


@pytest.fixture
def earlier_sakip_period(tmp_path, monkeypatch):
    """The seeds with a made-up earlier SAKIP period (a fixture, not a regulation): 2015-2020,
    where B ends at 65 and BB starts above it."""
    seeds = tmp_path / "seeds"
    shutil.copytree(reference.SEEDS_DIR, seeds)
    with (seeds / "rule_periods.csv").open("a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerow(["sakip", "Fixture 1/2015", 2015, 2020])
    earlier = [
        ["sakip", "AA", "Sangat Memuaskan", 1, 85, 100, "false", "true"],
        ["sakip", "A", "Memuaskan", 2, 75, 85, "false", "true"],
        ["sakip", "BB", "Sangat Baik", 3, 65, 75, "false", "true"],
        ["sakip", "B", "Baik", 4, 50, 65, "false", "true"],
        ["sakip", "C", "Kurang", 5, 0, 50, "true", "true"],
    ]
    with (seeds / "rating_bands.csv").open("a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(row + ["Fixture 1/2015"] for row in earlier)
    monkeypatch.setattr(reference, "SEEDS_DIR", seeds)
    _forget_the_seeds()
    yield
    monkeypatch.undo()
    _forget_the_seeds()


def _forget_the_seeds():
    for cached in (reference.all_bands, reference.band_codes, reference._periods,
                   reference._all_components, band_rules._predicate_forms):  # fmt: skip
        cached.cache_clear()


@pytest.mark.parametrize(
    ("year", "band", "rule_version"),
    [
        (2014, None, None),  # before the first period
        (2015, "BB", "Fixture 1/2015"),
        (2020, "BB", "Fixture 1/2015"),
        (2021, "B", "PermenPAN-RB 88/2021"),  # Banyuwangi's 65,41: BB then, B by today's table
        (2030, "B", "PermenPAN-RB 88/2021"),
    ],
)
def test_a_score_is_banded_by_the_rules_of_its_year(earlier_sakip_period, year, band, rule_version):
    found = band_of("sakip", 65.41, year)
    assert (found and found.code, found and found.period.rule_version) == (band, rule_version)


def test_two_periods_of_one_index_may_not_hold_for_the_same_year(earlier_sakip_period):
    seeds = reference.SEEDS_DIR / "rule_periods.csv"
    with seeds.open("a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerow(["sakip", "Fixture 2/2019", 2019, 2019])
    _forget_the_seeds()
    with pytest.raises(ValueError, match="Fixture 1/2015 and Fixture 2/2019|Fixture 2/2019 and"):
        reference.bands("sakip", 2019)


def test_a_band_only_an_earlier_period_has_is_still_a_predicate(earlier_sakip_period):
    assert allowed_predicates("sakip", 65, 2020) == {"B", "BB"}  # on the fixture's bound
    assert allowed_predicates("sakip", 65, 2021) == {"B"}
    assert "CC" in reference.band_codes("sakip")


def test_a_year_no_rules_hold_for_is_refused_naming_the_periods(tmp_path):
    from ingest.options import Options
    from ingest.pipeline import check_file
    from tests.conftest import BEKASI, sample_masters

    path = b.sakip_csv(tmp_path / "sakip_2020.csv")
    frames, issues = check_file("sakip", path, Options(pemda_code=BEKASI), sample_masters())
    assert frames == {}
    assert {(i.check, i.column, i.value) for i in issues} == {
        ("rules_for_year", "evaluation_year", "2020")
    }
    assert "PermenPAN-RB 88/2021 (2021–…)" in issues[0].message


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
