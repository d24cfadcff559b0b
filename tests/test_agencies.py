import pytest

from tests.conftest import BEKASI, KARAWANG, sample_masters


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Kec.  Babelan", "32.16.KEC_BABELAN"),
        ("KECAMATAN CIKARANG BARAT", "32.16.KEC_CIKARANG_BARAT"),
        ("Dinas Komunikasi dan Informatika", "32.16.DISKOMINFOSANTIK"),
        ("Diskominfosantik", "32.16.DISKOMINFOSANTIK"),
        ("Dinas Sumber Daya Air Bina Marga dan Bina Konstruksi", "32.16.DSDABMBK"),
        ("bappeda", "32.16.BAPPEDA"),
        ("Kab. Bekasi", "32.16"),
        ("Dinas Pariwisata Luar Angkasa", None),
    ],
)
def test_resolves_names_short_names_and_aliases(written, code):
    assert sample_masters().directory(BEKASI).resolve(written) == code


def test_each_master_holds_its_regency_and_its_agencies():
    assert len(sample_masters().directory(BEKASI)) == 62
    assert len(sample_masters().directory(KARAWANG)) == 56


def test_a_name_resolves_in_its_own_regency_only():
    masters = sample_masters()
    assert masters.directory(KARAWANG).resolve("Sekretariat Daerah") == "32.15.SETDA"
    assert masters.directory(BEKASI).resolve("Sekretariat Daerah") == "32.16.SETDA"
    assert masters.directory(KARAWANG).resolve("Kec. Babelan") is None
    assert masters.directory("32.73").resolve("Sekretariat Daerah") is None  # no master yet


def test_suggests_the_three_closest_official_names():
    assert sample_masters().directory(BEKASI).suggest("Dinas Pendidkan") == [
        "Dinas Pendidikan",
        "Dinas Perindustrian",
        "Dinas Perhubungan",
    ]
