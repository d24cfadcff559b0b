"""Regenerate the bundled sample sources: `python data/make_samples.py`.

Two regencies of Jawa Barat side by side, each with its agency master, its targets and its scores:
- Kabupaten Bekasi (32.16), 2021-2025: its master is `agencies/32.16/agencies_kab_bekasi.csv`
  (kept by hand); the real results quoted in docs/indices.md are used where they exist
  (regency SAKIP 50,29 / 61,79 / 62,74; SPBE 1,60 .. 4,48; RB 2022 distribution; IPP 2025 RSUD
  97,8 and Kecamatan Sukakarya 90,00).
- Kabupaten Karawang (32.15), 2023-2025: its master is written here. The kecamatan are Karawang's
  real 30 kecamatan; the OPD list and every score are synthetic. Karawang is "late" on purpose:
  its RB results for 2025 have not arrived.

Values are realistic and deterministic. Each file carries the mess docs/sources.md lists: title blocks,
merged cells, `;` with decimal commas, BOM and CRLF, header variants, aliases, `Kec.`, predicates in
odd case, numbers stored as text, trailing `Rata-rata` / `Jumlah` rows, targets naming agencies by
code or by name.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from contracts import reference  # noqa: E402
from contracts.agencies import Agency, split_aliases  # noqa: E402
from data.writers import band, comma, label, write_csv, write_xlsx  # noqa: E402
from ingest.numbers import rescale_half_up  # noqa: E402

OUT = ROOT / "samples"
SAKIP_WEIGHTS = {c.code: c.max_score for c in reference.components("sakip")}
IPP_WEIGHTS = {c.code: c.weight for c in reference.components("ipp")}
MASTER_COLUMNS = [
    "agency_code", "agency_name", "agency_short_name", "agency_type", "parent_agency_code",
    "aliases", "valid_from",
]  # fmt: skip

KARAWANG_OPDS = [
    ("SETDA", "Sekretariat Daerah", "Setda", "sekretariat"),
    ("SETWAN", "Sekretariat DPRD", "Setwan", "sekretariat"),
    ("INSPEKTORAT", "Inspektorat Daerah", "Inspektorat", "inspektorat"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Bappeda", "badan"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM", "badan"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", "badan"),
    ("BAPENDA", "Badan Pendapatan Daerah", "Bapenda", "badan"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", "badan"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol", "badan"),
    ("DISDIKPORA", "Dinas Pendidikan, Pemuda dan Olahraga", "Disdikpora", "dinas"),
    ("DINKES", "Dinas Kesehatan", "Dinkes", "dinas"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "DPUPR", "dinas"),
    ("DISHUB", "Dinas Perhubungan", "Dishub", "dinas"),
    ("DLHK", "Dinas Lingkungan Hidup dan Kebersihan", "DLHK", "dinas"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dinas"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP", "dinas"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "Diskominfo", "dinas"),
    ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi", "Disnakertrans", "dinas"),
    ("DINSOS", "Dinas Sosial", "Dinsos", "dinas"),
    ("DISPERTA", "Dinas Pertanian", "Disperta", "dinas"),
    ("DISPARBUD", "Dinas Pariwisata dan Kebudayaan", "Disparbud", "dinas"),
    ("DISKOPUKM", "Dinas Koperasi dan Usaha Kecil Menengah", "Diskop UKM", "dinas"),
    ("DPKP", "Dinas Perumahan dan Kawasan Permukiman", "DPKP", "dinas"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Satpol PP", "satpol_pp"),
    ("RSUD", "RSUD Kabupaten Karawang", "RSUD Karawang", "rsud"),
]
KARAWANG_KECAMATAN = [
    "Banyusari", "Batujaya", "Ciampel", "Cibuaya", "Cikampek", "Cilamaya Kulon",
    "Cilamaya Wetan", "Cilebar", "Jatisari", "Jayakerta", "Karawang Barat", "Karawang Timur",
    "Klari", "Kotabaru", "Kutawaluya", "Lemahabang", "Majalaya", "Pakisjaya", "Pangkalan",
    "Pedes", "Purwasari", "Rawamerta", "Rengasdengklok", "Tegalwaru", "Telagasari",
    "Telukjambe Barat", "Telukjambe Timur", "Tempuran", "Tirtajaya", "Tirtamulya",
]  # fmt: skip


@dataclass
class Regency:
    """One regency's samples: its master, years, and the regency-level results it publishes."""

    code: str
    name: str  # Kabupaten Bekasi
    seed: int
    years: range
    sakip: dict[int, float]
    rb: dict[int, float]
    spip: dict[int, float]
    spbe: dict[int, tuple[float, str]]
    merit: dict[int, float]
    rb_years: range | None = None  # a regency late with its RB results
    fixed_ipp: dict[tuple[int, str], float] = field(default_factory=dict)
    agencies: list[Agency] = field(default_factory=list)
    base: dict[str, float] = field(default_factory=dict)  # each agency's standing, 0-1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.folder_name = self.name.split()[-1]

    @property
    def units(self) -> list[Agency]:
        """The current version of every agency but the regency itself, in master order."""
        current = {a.code: a for a in self.agencies if a.agency_type != "pemda"}
        return list(current.values())

    @property
    def opds(self) -> list[Agency]:
        return [a for a in self.units if a.agency_type != "kecamatan"]

    @property
    def kecamatan(self) -> list[Agency]:
        return [a for a in self.units if a.agency_type == "kecamatan"]

    def path(self, index_code: str, name: str) -> Path:
        return OUT / index_code / self.code / name


def read_master(path: Path) -> list[Agency]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Agency(
                path.parent.name,
                r["agency_code"],
                r["agency_name"],
                r["agency_short_name"],
                r["agency_type"],
                r["parent_agency_code"],
                split_aliases(r["aliases"]),
            )
            for r in csv.DictReader(f)
        ]


def make_karawang_master(regency: Regency) -> None:
    """Karawang's master: the regency, 25 OPDs (synthetic) and its 30 kecamatan (real names)."""
    code = regency.code
    rows = [[code, "Pemerintah Kabupaten Karawang", "Pemkab Karawang", "pemda", "32",
             "Kabupaten Karawang|Kab. Karawang|Pemkab Karawang", "2017-01-01"]]  # fmt: skip
    for local, name, short, kind in KARAWANG_OPDS:
        aliases = f"{name} Kabupaten Karawang" if kind != "rsud" else "RSUD Karawang"
        rows.append([f"{code}.{local}", name, short, kind, code, aliases, "2017-01-01"])
    for name in KARAWANG_KECAMATAN:
        local = "KEC_" + name.upper().replace(" ", "_")
        rows.append([f"{code}.{local}", f"Kecamatan {name}", f"Kec. {name}", "kecamatan", code,
                     "", "2017-01-01"])  # fmt: skip
    write_csv(OUT / "agencies" / code / "agencies_kab_karawang.csv", [MASTER_COLUMNS, *rows], False)


def written_name(r: Regency, agency: Agency, year: int) -> str:
    """How a clerk writes the name: aliases, `Kec.`, odd spacing and case; Kominfo before 2023."""
    if agency.code.endswith("DISKOMINFOSANTIK"):
        return "Dinas Komunikasi dan Informatika" if year <= 2022 else "Diskominfosantik"
    roll = r.rng.random()
    if agency.agency_type == "kecamatan" and roll < 0.4:
        return agency.short_name
    if agency.aliases and roll < 0.25:
        return agency.aliases[0]
    if roll > 0.93:
        return "  " + agency.name.upper() + " "
    if roll > 0.86:
        return agency.name.replace(" ", "  ", 1)
    return agency.name


def sakip_row(r: Regency, agency_code: str, year: int) -> dict[str, float]:
    level = r.base[agency_code] + 0.05 * (year - 2021)
    parts = {
        code: round(min(weight, max(0.0, weight * (level + r.rng.uniform(-0.08, 0.08)))), 2)
        for code, weight in SAKIP_WEIGHTS.items()
    }
    return parts | {"score": round(sum(parts.values()), 2)}


SAKIP_HEADER = [
    "No",
    "Perangkat Daerah",
    "Perencanaan Kinerja",
    "Pengukuran Kinerja",
    "Pelaporan Kinerja",
    "Evaluasi Akuntabilitas Kinerja Internal",
    "Nilai",
    "Predikat",
]
# Exactly on the BB/A boundary: the Inspektorat published A, which is kept.
BOUNDARY_SAKIP = {
    "perencanaan": 25.5,
    "pengukuran": 24.0,
    "pelaporan": 12.5,
    "evaluasi_internal": 18.0,
    "score": 80.0,
}


def make_sakip(r: Regency) -> None:
    header = SAKIP_HEADER
    for year in r.years:
        rows = []
        for number, agency in enumerate(r.units, start=1):
            row = sakip_row(r, agency.code, year)
            predicate = band("sakip", row["score"])
            if year == 2024 and agency.code == f"{r.code}.BAPPEDA":
                row, predicate = BOUNDARY_SAKIP, "A"
            if r.rng.random() < 0.15:
                predicate = f" {predicate.lower()} "
            values = [row[c] for c in (*SAKIP_WEIGHTS, "score")]
            rows.append([number, written_name(r, agency, year), *values, predicate])
        mean = round(sum(row[6] for row in rows) / len(rows), 2)
        title = [
            f"HASIL EVALUASI AKUNTABILITAS KINERJA INSTANSI PEMERINTAH (AKIP) TAHUN {year}",
            f"PERANGKAT DAERAH DAN KECAMATAN {r.name.upper()}",
        ]
        if year == r.years[0]:
            lines = [[title[0]], [title[1]], [], header]
            lines += [[n, name, *[comma(v) for v in vals], p] for n, name, *vals, p in rows]
            lines.append(["", "Rata-rata", "", "", "", "", comma(mean), ""])
            write_csv(r.path("sakip", f"sakip_{year}.csv"), lines, indonesian=True)
            continue
        variant = {2022: "PERANGKAT DAERAH", 2023: "Nama Perangkat Daerah", 2024: "Unit Kerja"}
        sheet_header = header.copy()
        sheet_header[1] = variant.get(year, header[1])
        for row in rows:
            if r.rng.random() < 0.2:  # numbers stored as text, Indonesian style
                row[6] = comma(row[6])
        rows.append(["Rata-rata", None, None, None, None, None, mean, None])
        write_xlsx(
            r.path("sakip", f"sakip_{year}.xlsx"), {"Hasil Evaluasi": (title, sheet_header, rows)}
        )
    # The regency's own result from KemenPAN-RB, same layout with a year column.
    lines = [["Tahun", "Perangkat Daerah", *header[2:]]]
    for year, score in r.sakip.items():
        parts = {c: round(w * score / 100, 2) for c, w in SAKIP_WEIGHTS.items()}
        parts["evaluasi_internal"] = round(
            score - sum(v for k, v in parts.items() if k != "evaluasi_internal"), 2
        )
        lines.append([year, r.name, *parts.values(), score, band("sakip", score)])
    span = f"{min(r.sakip)}-{max(r.sakip)}"
    write_csv(r.path("sakip", f"sakip_kabupaten_{span}.csv"), lines, indonesian=False)


def rb_scores(r: Regency, year: int) -> dict[str, float]:
    if year == 2022 and r.code == "32.16":  # announced 2023: 1 A, 4 BB, 15 B, 12 CC, 23 C, 6 D
        ranges = (
            [(80.5, 86)]
            + [(70.5, 79)] * 4
            + [(60.5, 69.5)] * 15
            + [(50.5, 59.5)] * 12
            + [(30.5, 49.5)] * 23
            + [(15, 29.5)] * 6
        )
        ranked = sorted(r.units, key=lambda a: -r.base[a.code])
        return {a.code: round(r.rng.uniform(*g), 2) for a, g in zip(ranked, ranges, strict=True)}
    return {
        a.code: round(
            min(
                99,
                25 + 75 * r.base[a.code] * (0.8 + 0.08 * (year - 2021)) + r.rng.uniform(-5, 5),
            ),
            2,
        )
        for a in r.units
    }


def make_rb(r: Regency) -> None:
    for year in r.rb_years or r.years:
        indonesian = year <= 2022
        lines = [["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]]
        scores = rb_scores(r, year)
        for agency in r.units:
            code, score = agency.code, scores[agency.code]
            local = code.split(".", 2)[2] if r.rng.random() < 0.7 else ""
            value = comma(score) if indonesian else f"{score:.2f}"
            lines.append([year, local, written_name(r, agency, year), value, band("rb", score)])
        write_csv(r.path("rb", f"rb_{year}.csv"), lines, indonesian=indonesian)
    lines = [["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]]
    lines += [[y, "", f"Pemerintah {r.name}", s, band("rb", s)] for y, s in r.rb.items()]
    span = f"{min(r.rb)}-{max(r.rb)}"
    write_csv(r.path("rb", f"rb_kabupaten_{span}.csv"), lines, indonesian=False)


def make_spip(regencies: list[Regency]) -> None:
    """One answer of the province's open-data portal: every regency's SPIP, by kode_wilayah."""
    records = []
    for r in regencies:
        for year, score in r.spip.items():
            records.append(
                {
                    "tahun": year,
                    "kode_wilayah": r.code,
                    "nama_wilayah": r.name,
                    "skor_maturitas": comma(score),
                    "level": band("spip", score),
                    "penetapan_tujuan": comma(score + 0.08),
                    "struktur_proses": comma(score - 0.05),
                    "pencapaian_tujuan": comma(score - 0.06),
                    "mri": comma(score - 0.4),
                    "iepk": comma(score - 0.2),
                }
            )
    answer = {
        "help": "datastore_search",
        "success": True,
        "result": {
            "resource_id": "maturitas-spip-jabar",
            "records": records,
            "total": len(records),
        },
    }
    path = OUT / "spip" / "32" / "spip_maturitas_jabar.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer, indent=2, ensure_ascii=False), encoding="utf-8")


def make_spbe(r: Regency) -> None:
    domains = [
        ("kebijakan_internal", "Kebijakan Internal SPBE", 10),
        ("tata_kelola", "Tata Kelola SPBE", 10),
        ("manajemen", "Manajemen SPBE", 11),
        ("layanan", "Layanan SPBE", 16),
    ]
    for year, (index, announced) in r.spbe.items():
        indicators, number = [], 1
        for code, _, count in domains:
            for _ in range(count):
                level = max(1, min(5, round(index + r.rng.uniform(-1.2, 1.2))))
                indicators.append(
                    {
                        "nomor": number,
                        "nama": f"Indikator {number}",
                        "domain": code,
                        "tingkat_kematangan": level,
                    }
                )
                number += 1
        document = {
            "instansi": f"Pemerintah {r.name}",
            "kode_wilayah": r.code,
            "tahun": year,
            "tanggal_pengumuman": announced,
            "indeks": index,
            "predikat": band("spbe", index),
            "domain": [
                {
                    "kode": code,
                    "nama": name,
                    "indeks": round(min(5, index + r.rng.uniform(-0.3, 0.3)), 2),
                }
                for code, name, _ in domains
            ],
            "indikator": indicators,
        }
        path = r.path("spbe", f"spbe_{year}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")


def ipp_written_category(r: Regency, code: str) -> str:
    text = label("ipp", code)
    return r.rng.choice([code, f"{code} ({text})", text, f"{code} - {text}"])


def make_ipp(r: Regency) -> None:
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    if 2021 in r.years:
        # 2021: KemenPAN-RB's evaluation of selected units, native 0-5 with the six aspects.
        selected = [
            a for a in r.units if a.code.rsplit(".", 1)[1] in {"DPMPTSP", "DISDUKCAPIL", "RSUD"}
        ]
        rows = []
        for number, agency in enumerate(selected, start=1):
            aspects = {code: round(r.rng.uniform(3.4, 4.8), 2) for code in IPP_WEIGHTS}
            score = round(sum(aspects[c] * w for c, w in IPP_WEIGHTS.items()), 2)
            rows.append([number, agency.name, score, *aspects.values(), band("ipp", score)])
        aspect_names = [c.name for c in reference.components("ipp")]
        write_xlsx(
            r.path("ipp", "ipp_kemenpanrb_2021.xlsx"),
            {
                "Lampiran I": (
                    [
                        "HASIL EVALUASI PELAYANAN PUBLIK KEMENTERIAN PANRB TAHUN 2021",
                        r.name.upper(),
                    ],
                    [
                        "No",
                        "Unit Penyelenggara Pelayanan Publik",
                        "Nilai Indeks",
                        *aspect_names,
                        "Kategori",
                    ],
                    rows,
                )
            },
        )
    # From 2022: the regency's decree, on 0-100 (= 0-5 x 20), OPDs and kecamatan on two sheets.
    for year in (y for y in r.years if y >= 2022):
        sheets = {}
        for sheet, units in (("Lampiran I", r.opds), ("Lampiran II", r.kecamatan)):
            rows = []
            for number, agency in enumerate(units, start=1):
                value = r.fixed_ipp.get(
                    (year, agency.code),
                    round(
                        min(
                            99.5,
                            55
                            + 45 * r.base[agency.code]
                            + 3 * (year - 2022)
                            + r.rng.uniform(-4, 4),
                        ),
                        2,
                    ),
                )
                code = band("ipp", rescale_half_up(value, 5, 100))
                cell = comma(value) if r.rng.random() < 0.25 else value
                rows.append(
                    [
                        number,
                        written_name(r, agency, year),
                        cell,
                        ipp_written_category(r, code),
                        label("ipp", code),
                    ]
                )
            mean = round(sum(float(str(row[2]).replace(",", ".")) for row in rows) / len(rows), 2)
            rows.append([None, "Rata-rata", mean, None, None])
            sheets[sheet] = (
                [
                    f"LAMPIRAN KEPUTUSAN BUPATI {r.folder_name.upper()} TENTANG HASIL EVALUASI "
                    f"PELAYANAN PUBLIK TAHUN {year}",
                    "PERANGKAT DAERAH" if sheet == "Lampiran I" else "KECAMATAN",
                ],
                header,
                rows,
            )
        write_xlsx(r.path("ipp", f"ipp_{year}.xlsx"), sheets)


def make_merit(r: Regency) -> None:
    aspects = [c.name for c in reference.components("merit")]
    shares = [0.12, 0.13, 0.14, 0.13, 0.13, 0.12, 0.11, 0.12]
    rows = []
    for year, total in r.merit.items():
        parts = [round(total * s, 1) for s in shares]
        parts[-1] = round(total - sum(parts[:-1]), 1)
        code = band("merit", total)
        written = f"{code} - {label('merit', code)}" if year % 2 else label("merit", code)
        rows.append([year, f"Pemerintah {r.name}", *parts, total, written])
    header = ["Tahun", "Instansi", *aspects, "Nilai", "Kategori"]
    in_xlsx = [row for row in rows if row[0] <= 2023]
    if in_xlsx:
        span = f"{in_xlsx[0][0]}-{in_xlsx[-1][0]}"
        write_xlsx(
            r.path("merit", f"merit_{span}.xlsx"),
            {
                "Penilaian": (
                    [f"REKAPITULASI PENILAIAN MANDIRI SISTEM MERIT {r.name.upper()} {span}"],
                    header,
                    in_xlsx,
                )
            },
        )
    in_csv = [row for row in rows if row[0] > 2023]
    lines = [header] + [
        [y, n, *[comma(v, 1) for v in vals], comma(t, 1), k] for y, n, *vals, t, k in in_csv
    ]
    span = f"{in_csv[0][0]}-{in_csv[-1][0]}" if len(in_csv) > 1 else f"{in_csv[0][0]}"
    write_csv(r.path("merit", f"merit_{span}.csv"), lines, indonesian=True)


# The regency's plan (RPJMD 2021-2026 and the Renstra of each OPD): the band each agency aims for.
TARGET_LADDERS = {
    "sakip": ["B", "B", "BB", "BB", "A"],
    "rb": ["CC", "B", "B", "BB", "BB"],
    "ipp": ["B", "B", "B", "A-", "A-"],
    "spip": ["3", "3", "3", "4", "4"],
    "spbe": ["Baik", "Baik", "Sangat Baik", "Sangat Baik", "Sangat Baik"],
    "merit": ["III", "III", "III", "III", "IV"],
}
REGENCY_INDICES = ("sakip", "rb", "spip", "spbe", "merit")
AGENCY_INDICES = ("sakip", "rb", "ipp")
# The regency evaluates every unit's public service from 2022 (PermenPAN-RB 29/2022); before,
# KemenPAN-RB scored a few selected units, which no Renstra targets.
IPP_TARGETS_FROM = 2022


def make_targets(r: Regency) -> None:
    """The regency's plan as the Bagian Organisasi keeps it: agencies by code or by name."""
    lines = [["agency", "index_code", "evaluation_year", "target_band", "target_score",
              "plan_document"]]  # fmt: skip
    regency = next(a for a in r.agencies if a.agency_type == "pemda")
    for agency in (regency, *r.units):
        indices = REGENCY_INDICES if agency is regency else AGENCY_INDICES
        plan = "RPJMD 2021-2026" if agency is regency else "Renstra Perangkat Daerah 2021-2026"
        written = agency.code if r.rng.random() < 0.7 else agency.name
        for index_code in indices:
            ladder = dict(zip(range(2021, 2026), TARGET_LADDERS[index_code], strict=True))
            for year in r.years:
                if index_code == "ipp" and year < IPP_TARGETS_FROM:
                    continue
                code = ladder[year]
                band_text = code if r.rng.random() < 0.8 else label(index_code, code)
                lines.append([written, index_code, year, band_text, "", plan])
    span = f"{r.years[0]}-{r.years[-1]}"
    write_csv(r.path("targets", f"targets_{span}.csv"), lines, indonesian=False)


BEKASI = Regency(
    code="32.16",
    name="Kabupaten Bekasi",
    seed=3216,
    years=range(2021, 2026),
    sakip={2021: 50.29, 2022: 61.79, 2023: 62.74, 2024: 66.15, 2025: 71.03},
    rb={2021: 58.12, 2022: 61.40, 2023: 64.05, 2024: 67.88, 2025: 70.45},
    spip={2021: 2.95, 2022: 3.05, 2023: 3.12, 2024: 3.38, 2025: 3.61},
    spbe={
        2021: (1.60, "2022-03-28"),
        2022: (1.71, "2023-03-06"),
        2023: (3.28, "2024-02-29"),
        2024: (4.08, "2025-01-04"),
        2025: (4.48, "2026-01-08"),
    },
    merit={2021: 231.5, 2022: 258.0, 2023: 272.5, 2024: 289.0, 2025: 296.5},
    fixed_ipp={(2025, "32.16.RSUD"): 97.8, (2025, "32.16.KEC_SUKAKARYA"): 90.0},
)
KARAWANG = Regency(
    code="32.15",
    name="Kabupaten Karawang",
    seed=3215,
    years=range(2023, 2026),
    rb_years=range(2023, 2025),
    sakip={2023: 64.12, 2024: 67.40, 2025: 70.85},
    rb={2023: 60.35, 2024: 63.10},
    spip={2023: 3.02, 2024: 3.21, 2025: 3.44},
    spbe={2023: (2.91, "2024-02-29"), 2024: (3.36, "2025-01-04"), 2025: (3.72, "2026-01-08")},
    merit={2024: 262.5},
)


def make_regency(r: Regency) -> None:
    if r is KARAWANG:
        make_karawang_master(r)
    r.agencies = read_master(
        OUT / "agencies" / r.code / f"agencies_kab_{r.folder_name.lower()}.csv"
    )
    r.base = {a.code: r.rng.uniform(0.35, 0.75) for a in r.units}
    for maker in (make_sakip, make_rb, make_spbe, make_ipp, make_merit, make_targets):
        maker(r)


if __name__ == "__main__":
    for regency in (BEKASI, KARAWANG):
        make_regency(regency)
    make_spip([BEKASI, KARAWANG])
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.rglob("*") if p.is_file())))
