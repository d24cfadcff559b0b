import pytest

from contracts.agencies import directory


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
    assert directory("32.16").resolve(written) == code


def test_master_holds_the_regency_and_its_61_agencies():
    assert len(directory("32.16")) == 62


def test_suggests_the_three_closest_official_names():
    assert directory("32.16").suggest("Dinas Pendidkan") == [
        "Dinas Pendidikan",
        "Dinas Perindustrian",
        "Dinas Perhubungan",
    ]
