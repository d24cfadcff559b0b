"""Synthetic sources for benchmarks: N regencies, five evaluation years, all six indices.

`python bench/generate.py SIZE OUT` writes `OUT/sources/<source>/<region>/...` in the layouts of
docs/sources.md, with the mess they carry (title blocks, `;` and decimal commas, a BOM and CRLF, header
variants, aliases and `Kec.`, odd spacing and case, numbers stored as text, predicates written
many ways, a `Rata-rata` row, targets stated as a score alone, the portal's own `_id` and
`rank` fields in a CKAN answer). Everything comes from one seeded random generator, so a size
always gives the same files; `OUT/generated.txt`, written last, says they are whole.

Sizes: `small` (1 regency), `province` (Jawa Barat's 27 regencies and cities) and `national`
(all 514 regencies and cities of the Kemendagri list), with their real names and kecamatan.
Each regency has its own agency master (the regency, 38 perangkat daerah and its kecamatan) and
its targets. The files flow as they do in a year: per evaluation year, the Inspektorat's SAKIP of
the agencies (odd years CSV, even years XLSX) and KemenPAN-RB's SAKIP of the regency in a file of
its own, the agencies' RB and the regency's RB in files of their own, IPP (XLSX, two sheets,
0-100; two units per regency are not evaluated for IPP and have no IPP target), SPBE (JSON) and
merit (a one-row CSV; a regency in band IV is evaluated every two years); SPIP is one CKAN answer
per province and year.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts import reference  # noqa: E402
from contracts.regions import kecamatan_of  # noqa: E402
from data.writers import band, comma, label, write_csv, write_xlsx  # noqa: E402
from ingest.numbers import rescale_half_up  # noqa: E402

GENERATED = "generated.txt"  # written last: the sources are whole
SIZES = {"small": 1, "province": 27, "national": 514}
YEARS = range(2021, 2026)
SAKIP_WEIGHTS = {c.code: c.max_score for c in reference.components("sakip")}
MERIT_ASPECTS = [c.name for c in reference.components("merit")]
OPDS = [
    ("SETDA", "Sekretariat Daerah", "Setda", "sekretariat"),
    ("SETWAN", "Sekretariat DPRD", "Setwan", "sekretariat"),
    ("INSPEKTORAT", "Inspektorat Daerah", "Inspektorat", "inspektorat"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Bappeda", "badan"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM", "badan"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", "badan"),
    ("BAPENDA", "Badan Pendapatan Daerah", "Bapenda", "badan"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", "badan"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol", "badan"),
    ("DISDIK", "Dinas Pendidikan", "Disdik", "dinas"),
    ("DINKES", "Dinas Kesehatan", "Dinkes", "dinas"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "DPUPR", "dinas"),
    ("DISHUB", "Dinas Perhubungan", "Dishub", "dinas"),
    ("DLH", "Dinas Lingkungan Hidup", "DLH", "dinas"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dinas"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP", "dinas"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "Diskominfo", "dinas"),
    ("DISNAKER", "Dinas Tenaga Kerja", "Disnaker", "dinas"),
    ("DINSOS", "Dinas Sosial", "Dinsos", "dinas"),
    ("DISTAN", "Dinas Pertanian", "Distan", "dinas"),
    ("DISPAR", "Dinas Pariwisata", "Dispar", "dinas"),
    ("DISBUD", "Dinas Kebudayaan", "Disbud", "dinas"),
    ("DISKOPUKM", "Dinas Koperasi dan Usaha Kecil Menengah", "Diskop UKM", "dinas"),
    ("DPKP", "Dinas Perumahan dan Kawasan Permukiman", "DPKP", "dinas"),
    ("DISPORA", "Dinas Pemuda dan Olahraga", "Dispora", "dinas"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan", "Disperindag", "dinas"),
    ("DKP", "Dinas Ketahanan Pangan", "DKP", "dinas"),
    ("DISPERKAN", "Dinas Perikanan", "Disperkan", "dinas"),
    ("DISNAK", "Dinas Peternakan dan Kesehatan Hewan", "Disnak", "dinas"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP3A", "dinas"),
    ("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "DPPKB", "dinas"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD", "dinas"),
    ("DISARPUS", "Dinas Perpustakaan dan Kearsipan", "Disarpus", "dinas"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar", "dinas"),
    ("DISKP", "Dinas Kelautan dan Perikanan", "DKP Laut", "dinas"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP", "satpol_pp"),
    ("RSUD", "Rumah Sakit Umum Daerah", "RSUD", "rsud"),
    ("RSUD2", "Rumah Sakit Umum Daerah Pratama", "RSUD Pratama", "rsud"),
]
# Units the regency does not evaluate for IPP (and sets no IPP target for): a backstage office.
NOT_IN_IPP = ("SETWAN", "KESBANGPOL")
# About one target in ten is stated as a score alone (`nilai SAKIP 70`), as RPJMD tables do.
SCORE_ONLY_TARGETS = 0.1
SAKIP_HEADERS = ["Perangkat Daerah", "PERANGKAT DAERAH", "Nama Perangkat Daerah", "Unit Kerja"]
TARGET_LADDERS = {
    "sakip": ["B", "B", "BB", "BB", "A"],
    "rb": ["CC", "B", "B", "BB", "BB"],
    "ipp": ["B", "B", "B", "A-", "A-"],
    "spip": ["3", "3", "3", "4", "4"],
    "spbe": ["Baik", "Baik", "Sangat Baik", "Sangat Baik", "Sangat Baik"],
    "merit": ["III", "III", "III", "III", "IV"],
}
SPBE_DOMAINS = [
    ("kebijakan_internal", "Kebijakan Internal SPBE", 10),
    ("tata_kelola", "Tata Kelola SPBE", 10),
    ("manajemen", "Manajemen SPBE", 11),
    ("layanan", "Layanan SPBE", 16),
]


@dataclass
class Agency:
    code: str
    name: str
    short_name: str
    agency_type: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Regency:
    code: str
    name: str
    province_code: str
    province_name: str
    agencies: list[Agency] = field(default_factory=list)
    standing: dict[str, float] = field(default_factory=dict)  # each agency's level, 0-1

    @property
    def units(self) -> list[Agency]:
        return self.agencies[1:]

    @property
    def opds(self) -> list[Agency]:
        return [a for a in self.units if a.agency_type != "kecamatan"]

    @property
    def kecamatan(self) -> list[Agency]:
        return [a for a in self.units if a.agency_type == "kecamatan"]


def regencies(size: str) -> list[Regency]:
    """The size's regencies from the region list: Jawa Barat's first, then every other one."""
    listed = sorted(
        reference.regions().values(), key=lambda r: (r.province_code != "32", r.pemda_code)
    )
    return [
        Regency(r.pemda_code, r.pemda_name, r.province_code, r.province_name)
        for r in listed[: SIZES[size]]
    ]


def build_master(r: Regency, rng: random.Random) -> None:
    place = r.name.split(" ", 1)[1]
    short = "Pemkab" if r.name.startswith("Kabupaten") else "Pemkot"
    r.agencies = [
        Agency(
            r.code,
            f"Pemerintah {r.name}",
            f"{short} {place}",
            "pemda",
            [r.name, r.name.replace("Kabupaten", "Kab.")],
        )
    ]
    for local, name, short_name, kind in OPDS:
        aliases = [f"{name} {r.name}"] if kind != "rsud" else [f"{name} {place}"]
        r.agencies.append(Agency(f"{r.code}.{local}", name, short_name, kind, aliases))
    for kecamatan in sorted(kecamatan_of(r.code).values()):
        local = "KEC_" + re.sub(r"[^A-Z0-9]+", "_", kecamatan.upper()).strip("_")
        r.agencies.append(
            Agency(f"{r.code}.{local}", f"Kecamatan {kecamatan}", f"Kec. {kecamatan}", "kecamatan")
        )
    r.standing = {a.code: rng.uniform(0.3, 0.8) for a in r.agencies}


def written_name(agency: Agency, rng: random.Random) -> str:
    """How a clerk writes the name: short names and aliases, `Kec.`, odd spacing and case."""
    roll = rng.random()
    if agency.agency_type == "kecamatan" and roll < 0.4:
        return agency.short_name
    if agency.aliases and roll < 0.2:
        return agency.aliases[0]
    if roll > 0.93:
        return "  " + agency.name.upper() + " "
    if roll > 0.86:
        return agency.name.replace(" ", "  ", 1)
    return agency.name


def level(r: Regency, code: str, year: int, rng: random.Random) -> float:
    """An agency's standing in a year (0-1): its own level, improving a little each year."""
    return min(0.99, max(0.05, r.standing[code] + 0.03 * (year - 2021) + rng.uniform(-0.05, 0.05)))


class Writer:
    """Writes one regency's files under `sources/<source>/<region code>/`."""

    def __init__(self, root: Path, r: Regency, rng: random.Random):
        self.root, self.r, self.rng = root, r, rng

    def path(self, source: str, name: str) -> Path:
        return self.root / source / self.r.code / name

    def master(self) -> None:
        rows = [["agency_code", "agency_name", "agency_short_name", "agency_type",
                 "parent_agency_code", "aliases", "valid_from"]]  # fmt: skip
        for a in self.r.agencies:
            parent = self.r.province_code if a.agency_type == "pemda" else self.r.code
            rows.append([a.code, a.name, a.short_name, a.agency_type, parent,
                         "|".join(a.aliases), "2017-01-01"])  # fmt: skip
        write_csv(self.path("agencies", "agencies.csv"), rows, indonesian=False)

    def targets(self) -> None:
        rows = [["agency", "index_code", "evaluation_year", "target_band", "target_score",
                 "plan_document"]]  # fmt: skip
        regency = self.r.agencies[0]
        for agency in self.r.agencies:
            indices = ("sakip", "rb", "spip", "spbe", "merit") if agency is regency else (
                "sakip", "rb") if _not_in_ipp(agency) else ("sakip", "rb", "ipp")  # fmt: skip
            written = agency.code if self.rng.random() < 0.7 else agency.name
            plan = "RPJMD 2021-2026" if agency is regency else "Renstra 2021-2026"
            for index_code in indices:
                for year, code in zip(YEARS, TARGET_LADDERS[index_code], strict=True):
                    if self.rng.random() < SCORE_ONLY_TARGETS:
                        rows.append(
                            [written, index_code, year, "", _inside(index_code, code), plan]
                        )
                        continue
                    text = code if self.rng.random() < 0.8 else label(index_code, code)
                    rows.append([written, index_code, year, text, "", plan])
        write_csv(self.path("targets", "targets_2021-2025.csv"), rows, indonesian=False)

    def _sakip_row(self, agency: Agency, year: int) -> list[float]:
        standing = level(self.r, agency.code, year, self.rng)
        parts = [round(w * min(1.0, standing + self.rng.uniform(-0.06, 0.06)), 2)
                 for w in SAKIP_WEIGHTS.values()]  # fmt: skip
        return [*parts, round(sum(parts), 2)]

    def sakip(self) -> None:
        header = ["No", "Perangkat Daerah", "Perencanaan Kinerja", "Pengukuran Kinerja",
                  "Pelaporan Kinerja", "Evaluasi Akuntabilitas Kinerja Internal", "Nilai",
                  "Predikat"]  # fmt: skip
        for year in YEARS:
            title = [
                f"HASIL EVALUASI AKUNTABILITAS KINERJA INSTANSI PEMERINTAH (AKIP) TAHUN {year}",
                f"PERANGKAT DAERAH DAN KECAMATAN {self.r.name.upper()}",
            ]
            rows = []
            for number, agency in enumerate(self.r.units, start=1):
                values = self._sakip_row(agency, year)
                predicate = band("sakip", values[-1])
                if self.rng.random() < 0.15:
                    predicate = f" {predicate.lower()} "
                rows.append([number, written_name(agency, self.rng), *values, predicate])
            mean = round(sum(row[6] for row in rows) / len(rows), 2)
            if year % 2:
                lines = [[title[0]], [title[1]], [], header]
                lines += [[n, name, *[comma(v) for v in vs], p] for n, name, *vs, p in rows]
                lines.append(["", "Rata-rata", "", "", "", "", comma(mean), ""])
                write_csv(self.path("sakip", f"sakip_{year}.csv"), lines, indonesian=True)
                continue
            sheet_header = [header[0], self.rng.choice(SAKIP_HEADERS), *header[2:]]
            for row in rows:
                if self.rng.random() < 0.2:
                    row[6] = comma(row[6])  # a number stored as text
            rows.append(["Rata-rata", None, None, None, None, None, mean, None])
            write_xlsx(
                self.path("sakip", f"sakip_{year}.xlsx"),
                {"Hasil Evaluasi": (title, sheet_header, rows)},
            )
        for year in YEARS:  # KemenPAN-RB's result for the regency, in a file of its own
            values = self._sakip_row(self.r.agencies[0], year)
            lines = [["Tahun", "Perangkat Daerah", *header[2:]],
                     [year, self.r.name, *values, band("sakip", values[-1])]]  # fmt: skip
            write_csv(self.path("sakip", f"sakip_kabupaten_{year}.csv"), lines, indonesian=False)

    def rb(self) -> None:
        """Per year, the Bagian Organisasi's internal RB of the agencies, and KemenPAN-RB's RB of
        the regency in a file of its own."""
        header = ["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]
        for year in YEARS:
            lines = [header]
            for agency in self.r.units:
                local = agency.code.split(".", 2)[2] if self.rng.random() < 0.7 else ""
                lines.append(self._rb_line(agency, year, local))
            write_csv(self.path("rb", f"rb_{year}.csv"), lines, indonesian=True)
            lines = [header, self._rb_line(self.r.agencies[0], year, "")]
            write_csv(self.path("rb", f"rb_kabupaten_{year}.csv"), lines, indonesian=True)

    def _rb_line(self, agency: Agency, year: int, local: str) -> list:
        score = round(min(99.0, 20 + 78 * level(self.r, agency.code, year, self.rng)), 2)
        return [year, local, written_name(agency, self.rng), comma(score), band("rb", score)]

    def ipp(self) -> None:
        header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori",
                  "Keterangan"]  # fmt: skip
        for year in YEARS:
            sheets = {}
            evaluated = [a for a in self.r.opds if not _not_in_ipp(a)]
            for sheet, units in (("Lampiran I", evaluated), ("Lampiran II", self.r.kecamatan)):
                rows = []
                for number, agency in enumerate(units, start=1):
                    standing = level(self.r, agency.code, year, self.rng)
                    value = round(min(99.5, 50 + 50 * standing), 2)
                    code = band("ipp", rescale_half_up(value, 5, 100))
                    written = self.rng.choice(
                        [code, f"{code} ({label('ipp', code)})", label("ipp", code)]
                    )
                    cell = comma(value) if self.rng.random() < 0.25 else value
                    rows.append([number, written_name(agency, self.rng), cell, written,
                                 label("ipp", code)])  # fmt: skip
                sheets[sheet] = (
                    [
                        f"LAMPIRAN KEPUTUSAN KEPALA DAERAH TENTANG HASIL EVALUASI PELAYANAN "
                        f"PUBLIK TAHUN {year}",
                        "PERANGKAT DAERAH" if sheet == "Lampiran I" else "KECAMATAN",
                    ],
                    header,
                    rows,
                )
            write_xlsx(self.path("ipp", f"ipp_{year}.xlsx"), sheets)

    def spbe(self) -> None:
        for year in YEARS:
            index = round(min(5.0, 0.8 + 4.2 * level(self.r, self.r.code, year, self.rng)), 2)
            indicators, number = [], 1
            for code, _, count in SPBE_DOMAINS:
                for _ in range(count):
                    maturity = max(1, min(5, round(index + self.rng.uniform(-1.2, 1.2))))
                    indicators.append({"nomor": number, "nama": f"Indikator {number}",
                                       "domain": code, "tingkat_kematangan": maturity})  # fmt: skip
                    number += 1
            document = {
                "instansi": f"Pemerintah {self.r.name}",
                "kode_wilayah": self.r.code,
                "tahun": year,
                "tanggal_pengumuman": f"{year + 1}-01-{self.rng.randint(4, 28):02d}",
                "indeks": index,
                "predikat": band("spbe", index),
                "domain": [
                    {
                        "kode": code,
                        "nama": name,
                        "indeks": round(min(5.0, max(0.0, index + self.rng.uniform(-0.3, 0.3))), 2),
                    }
                    for code, name, _ in SPBE_DOMAINS
                ],  # fmt: skip
                "indikator": indicators,
            }
            path = self.path("spbe", f"spbe_{year}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")

    def merit(self) -> None:
        """KASN's result for the regency, a one-row file per evaluation; Sangat Baik (IV) is
        evaluated again two years on, not the next year."""
        shares = [0.12, 0.13, 0.14, 0.13, 0.13, 0.12, 0.11, 0.12]
        skip_next = False
        for year in YEARS:
            if skip_next:
                skip_next = False
                continue
            total = round(110 + 280 * level(self.r, self.r.code, year, self.rng), 1)
            parts = [round(total * s, 1) for s in shares]
            parts[-1] = round(total - sum(parts[:-1]), 1)
            code = band("merit", total)
            skip_next = code == "IV"
            written = f"{code} - {label('merit', code)}" if year % 2 else label("merit", code)
            lines = [["Tahun", "Instansi", *MERIT_ASPECTS, "Nilai", "Kategori"],
                     [year, f"Pemerintah {self.r.name}", *[comma(p, 1) for p in parts],
                      comma(total, 1), written]]  # fmt: skip
            write_csv(self.path("merit", f"merit_{year}.csv"), lines, indonesian=True)


def _not_in_ipp(agency: Agency) -> bool:
    return agency.code.rsplit(".", 1)[-1] in NOT_IN_IPP


def _inside(index_code: str, code: str) -> str:
    """A score inside a band, as a plan writes a target score (`70`, `3,6`)."""
    found = next(b for b in reference.bands(index_code) if b.code == code)
    middle = (found.lower + found.upper) / 2
    return comma(middle, 2) if found.upper <= 5 else f"{middle:g}"


def spip(root: Path, province: str, members: list[Regency], rng: random.Random) -> None:
    """Per year, one answer of a province's open-data portal: each regency's SPIP by
    kode_wilayah, as CKAN's datastore_search gives it (`_id` in every record, `rank` and
    `_full_text` after a search, `result.fields`)."""
    for year in YEARS:
        records = []
        for number, r in enumerate(members, start=1):
            score = round(min(4.9, 1.0 + 3.8 * level(r, r.code, year, rng)), 2)
            parts = [round(min(5.0, max(0.0, score + rng.uniform(-0.1, 0.1))), 2) for _ in range(3)]
            records.append({
                "_id": number, "tahun": year, "kode_wilayah": r.code, "nama_wilayah": r.name,
                "skor_maturitas": comma(score), "level": band("spip", score),
                "penetapan_tujuan": comma(parts[0]), "struktur_proses": comma(parts[1]),
                "pencapaian_tujuan": comma(parts[2]), "_full_text": f"'{r.code}':1",
                "rank": 0.0607927,
            })  # fmt: skip
        fields = [{"id": "_id", "type": "int"}] + [
            {"id": key, "type": "text"} for key in records[0] if not key.startswith("_")
        ]
        answer = {"help": "datastore_search", "success": True,
                  "result": {"resource_id": f"maturitas-spip-{province}-{year}", "fields": fields,
                             "records": records, "total": len(records)}}  # fmt: skip
        path = root / "spip" / province / f"spip_maturitas_{province}_{year}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(answer, indent=1, ensure_ascii=False), encoding="utf-8")


def generate(size: str, out: Path, seed: int = 548) -> Path:
    """Write the size's sources under `out/sources`."""
    rng = random.Random(seed)
    root = out / "sources"
    chosen = regencies(size)
    for r in chosen:
        build_master(r, rng)
        writer = Writer(root, r, rng)
        for write in (writer.master, writer.targets, writer.sakip, writer.rb, writer.ipp,
                      writer.spbe, writer.merit):  # fmt: skip
            write()
    by_province: dict[str, list[Regency]] = {}
    for r in chosen:
        by_province.setdefault(r.province_code, []).append(r)
    for province, members in by_province.items():
        spip(root, province, members, rng)
    (out / GENERATED).write_text(f"{size} {seed}\n", encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("size", choices=SIZES)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=548)
    args = parser.parse_args()
    root = generate(args.size, args.out, args.seed)
    files = [p for p in root.rglob("*") if p.is_file()]
    print(f"{len(files)} files under {root}")


if __name__ == "__main__":
    main()
