"""Regenerate the bundled sample sources for Kabupaten Bekasi, 2021-2025: `python data/make_samples.py`.

Values are realistic and deterministic; the real results quoted in DOMAIN.md are used where they
exist (regency SAKIP 50,29 / 61,79 / 62,74; SPBE 1,60 .. 4,48; RB 2022 distribution; IPP 2025 RSUD
97,8 and Kecamatan Sukakarya 90,00). Each file carries the mess SOURCES.md lists: title blocks,
merged cells, `;` with decimal commas, BOM and CRLF, header variants, aliases, `Kec.`, predicates in
odd case, numbers stored as text, trailing `Rata-rata` / `Jumlah` rows.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from contracts import reference  # noqa: E402
from contracts.bands import band_of  # noqa: E402
from ingest.numbers import round_half_up  # noqa: E402

OUT = ROOT / "samples"
SEEDS = ROOT.parent / "dbt_project" / "seeds"
YEARS = range(2021, 2026)
SAMPLE_DATE = datetime(2026, 1, 15)  # fixed, so that regenerating gives the same bytes
rng = random.Random(3216)

AGENCIES = [a for a in reference.agencies() if a.agency_type != "pemda"]
OPDS = [a for a in AGENCIES if a.agency_type != "kecamatan"]
KECAMATAN = [a for a in AGENCIES if a.agency_type == "kecamatan"]
SAKIP_WEIGHTS = {c.code: c.max_score for c in reference.components("sakip")}
IPP_WEIGHTS = {c.code: c.weight for c in reference.components("ipp")}
BASE = {a.code: rng.uniform(0.35, 0.75) for a in AGENCIES}  # each agency's standing


def written_name(agency: reference.Agency, year: int) -> str:
    """How a clerk writes the name: aliases, `Kec.`, odd spacing and case; Kominfo before 2023."""
    if agency.code.endswith("DISKOMINFOSANTIK"):
        return "Dinas Komunikasi dan Informatika" if year <= 2022 else "Diskominfosantik"
    roll = rng.random()
    if agency.agency_type == "kecamatan" and roll < 0.4:
        return agency.short_name
    if agency.aliases and roll < 0.25:
        return agency.aliases[0]
    if roll > 0.93:
        return "  " + agency.name.upper() + " "
    if roll > 0.86:
        return agency.name.replace(" ", "  ", 1)
    return agency.name


def comma(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def sakip_row(agency_code: str, year: int, level: float | None = None) -> dict[str, float]:
    level = BASE[agency_code] + 0.05 * (year - 2021) if level is None else level
    parts = {
        code: round(min(weight, max(0.0, weight * (level + rng.uniform(-0.08, 0.08)))), 2)
        for code, weight in SAKIP_WEIGHTS.items()
    }
    return parts | {"score": round(sum(parts.values()), 2)}


def band(index_code: str, score: float) -> str:
    return band_of(index_code, score).code


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[str], list[list]]]) -> None:
    """sheets: name -> (title lines, header, rows). Title lines are merged across the table."""
    book = Workbook()
    book.remove(book.active)
    book.properties.created = book.properties.modified = SAMPLE_DATE
    for name, (titles, header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        for number, line in enumerate(titles, start=1):
            sheet.cell(number, 1, line)
            sheet.merge_cells(
                start_row=number, start_column=1, end_row=number, end_column=len(header)
            )
        start = len(titles) + 2  # one blank row between title and header
        for column, text in enumerate(header, start=1):
            sheet.cell(start, column, text)
        for offset, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                sheet.cell(start + offset, column, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the workbook's zip entries with a fixed time, so the same content gives the same bytes."""
    with zipfile.ZipFile(path) as original:
        entries = [(info, original.read(info)) for info in original.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed:
        for info, data in entries:
            fixed.writestr(
                zipfile.ZipInfo(info.filename, SAMPLE_DATE.timetuple()[:6]),
                data,
                zipfile.ZIP_DEFLATED,
            )


def write_csv(path: Path, rows: list[list], indonesian: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig" if indonesian else "utf-8") as f:
        writer = csv.writer(
            f, delimiter=";" if indonesian else ",", lineterminator="\r\n" if indonesian else "\n"
        )
        writer.writerows(rows)


def make_sakip() -> None:
    header = [
        "No",
        "Perangkat Daerah",
        "Perencanaan Kinerja",
        "Pengukuran Kinerja",
        "Pelaporan Kinerja",
        "Evaluasi Akuntabilitas Kinerja Internal",
        "Nilai",
        "Predikat",
    ]
    for year in YEARS:
        rows = []
        for number, agency in enumerate(AGENCIES, start=1):
            r = sakip_row(agency.code, year)
            predicate = band("sakip", r["score"])
            if year == 2024 and agency.code == "32.16.BAPPEDA":
                # exactly on the BB/A boundary: the Inspektorat published A, which is kept
                r = {
                    "perencanaan": 25.5,
                    "pengukuran": 24.0,
                    "pelaporan": 12.5,
                    "evaluasi_internal": 18.0,
                    "score": 80.0,
                }
                predicate = "A"
            if rng.random() < 0.15:
                predicate = f" {predicate.lower()} "
            values = [r[c] for c in (*SAKIP_WEIGHTS, "score")]
            rows.append([number, written_name(agency, year), *values, predicate])
        mean = round(sum(r[6] for r in rows) / len(rows), 2)
        title = [
            f"HASIL EVALUASI AKUNTABILITAS KINERJA INSTANSI PEMERINTAH (AKIP) TAHUN {year}",
            "PERANGKAT DAERAH DAN KECAMATAN KABUPATEN BEKASI",
        ]
        if year == 2021:
            lines = [[title[0]], [title[1]], [], header]
            lines += [
                [n, name, *[comma(v) for v in vals], p]
                for n, name, *vals, p in [(r[0], r[1], *r[2:7], r[7]) for r in rows]
            ]
            lines.append(["", "Rata-rata", "", "", "", "", comma(mean), ""])
            write_csv(OUT / "sakip" / "sakip_2021.csv", lines, indonesian=True)
            continue
        variant = {2022: "PERANGKAT DAERAH", 2023: "Nama Perangkat Daerah", 2024: "Unit Kerja"}
        sheet_header = header.copy()
        sheet_header[1] = variant.get(year, header[1])
        for r in rows:
            if rng.random() < 0.2:  # numbers stored as text, Indonesian style
                r[6] = comma(r[6])
        rows.append(["Rata-rata", None, None, None, None, None, mean, None])
        write_xlsx(
            OUT / "sakip" / f"sakip_{year}.xlsx", {"Hasil Evaluasi": (title, sheet_header, rows)}
        )
    # The regency's own result from KemenPAN-RB, same layout with a year column.
    regency = {2021: 50.29, 2022: 61.79, 2023: 62.74, 2024: 66.15, 2025: 71.03}
    lines = [["Tahun", "Perangkat Daerah", *header[2:]]]
    for year, score in regency.items():
        parts = {c: round(w * score / 100, 2) for c, w in SAKIP_WEIGHTS.items()}
        parts["evaluasi_internal"] = round(
            score - sum(v for k, v in parts.items() if k != "evaluasi_internal"), 2
        )
        lines.append([year, "Kabupaten Bekasi", *parts.values(), score, band("sakip", score)])
    write_csv(OUT / "sakip" / "sakip_kabupaten_2021-2025.csv", lines, indonesian=False)


def rb_scores(year: int) -> dict[str, float]:
    if year == 2022:  # announced 2023: 1 A, 4 BB, 15 B, 12 CC, 23 C, 6 D
        ranges = (
            [(80.5, 86)]
            + [(70.5, 79)] * 4
            + [(60.5, 69.5)] * 15
            + [(50.5, 59.5)] * 12
            + [(30.5, 49.5)] * 23
            + [(15, 29.5)] * 6
        )
        ranked = sorted(AGENCIES, key=lambda a: -BASE[a.code])
        return {a.code: round(rng.uniform(*r), 2) for a, r in zip(ranked, ranges, strict=True)}
    return {
        a.code: round(
            min(99, 25 + 75 * BASE[a.code] * (0.8 + 0.08 * (year - 2021)) + rng.uniform(-5, 5)), 2
        )
        for a in AGENCIES
    }


def make_rb() -> None:
    for year in YEARS:
        indonesian = year <= 2022
        lines = [["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]]
        scores = rb_scores(year)
        for agency in AGENCIES:
            code, score = agency.code, scores[agency.code]
            local = code.split(".", 2)[2] if rng.random() < 0.7 else ""
            value = comma(score) if indonesian else f"{score:.2f}"
            lines.append([year, local, written_name(agency, year), value, band("rb", score)])
        write_csv(OUT / "rb" / f"rb_{year}.csv", lines, indonesian=indonesian)
    regency = {2021: 58.12, 2022: 61.40, 2023: 64.05, 2024: 67.88, 2025: 70.45}
    lines = [["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]]
    lines += [[y, "", "Pemerintah Kabupaten Bekasi", s, band("rb", s)] for y, s in regency.items()]
    write_csv(OUT / "rb" / "rb_kabupaten_2021-2025.csv", lines, indonesian=False)


def make_spip() -> None:
    scores = {2021: 2.95, 2022: 3.05, 2023: 3.12, 2024: 3.38, 2025: 3.61}
    records = []
    for year, score in scores.items():
        records.append(
            {
                "tahun": year,
                "kode_wilayah": "32.16",
                "nama_wilayah": "Kabupaten Bekasi",
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
    path = OUT / "spip" / "spip_maturitas_jabar.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer, indent=2, ensure_ascii=False), encoding="utf-8")


def make_spbe() -> None:
    series = {
        2021: (1.60, "2022-03-28"),
        2022: (1.71, "2023-03-06"),
        2023: (3.28, "2024-02-29"),
        2024: (4.08, "2025-01-04"),
        2025: (4.48, "2026-01-08"),
    }
    domains = [
        ("kebijakan_internal", "Kebijakan Internal SPBE", 10),
        ("tata_kelola", "Tata Kelola SPBE", 10),
        ("manajemen", "Manajemen SPBE", 11),
        ("layanan", "Layanan SPBE", 16),
    ]
    for year, (index, announced) in series.items():
        indicators, number = [], 1
        for code, _, count in domains:
            for _ in range(count):
                level = max(1, min(5, round(index + rng.uniform(-1.2, 1.2))))
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
            "instansi": "Pemerintah Kabupaten Bekasi",
            "kode_wilayah": "32.16",
            "tahun": year,
            "tanggal_pengumuman": announced,
            "indeks": index,
            "predikat": band("spbe", index),
            "domain": [
                {
                    "kode": code,
                    "nama": name,
                    "indeks": round(min(5, index + rng.uniform(-0.3, 0.3)), 2),
                }
                for code, name, _ in domains
            ],
            "indikator": indicators,
        }
        path = OUT / "spbe" / f"spbe_{year}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")


def ipp_written_category(code: str) -> str:
    label = next(b.label for b in reference.bands("ipp") if b.code == code)
    return rng.choice([code, f"{code} ({label})", label, f"{code} - {label}"])


def make_ipp() -> None:
    header = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
    # 2021: KemenPAN-RB's evaluation of selected units, native 0-5 with the six aspects.
    selected = [
        a for a in AGENCIES if a.code.rsplit(".", 1)[1] in {"DPMPTSP", "DISDUKCAPIL", "RSUD"}
    ]
    rows = []
    for number, agency in enumerate(selected, start=1):
        aspects = {code: round(rng.uniform(3.4, 4.8), 2) for code in IPP_WEIGHTS}
        score = round(sum(aspects[c] * w for c, w in IPP_WEIGHTS.items()), 2)
        rows.append([number, agency.name, score, *aspects.values(), band("ipp", score)])
    aspect_names = [c.name for c in reference.components("ipp")]
    write_xlsx(
        OUT / "ipp" / "ipp_kemenpanrb_2021.xlsx",
        {
            "Lampiran I": (
                [
                    "HASIL EVALUASI PELAYANAN PUBLIK KEMENTERIAN PANRB TAHUN 2021",
                    "KABUPATEN BEKASI",
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
    # 2022-2025: the regency's decree, on 0-100 (= 0-5 x 20), OPDs and kecamatan on two sheets.
    fixed = {(2025, "32.16.RSUD"): 97.8, (2025, "32.16.KEC_SUKAKARYA"): 90.0}
    for year in range(2022, 2026):
        sheets = {}
        for sheet, units in (("Lampiran I", OPDS), ("Lampiran II", KECAMATAN)):
            rows = []
            for number, agency in enumerate(units, start=1):
                value = fixed.get(
                    (year, agency.code),
                    round(
                        min(
                            99.5,
                            55 + 45 * BASE[agency.code] + 3 * (year - 2022) + rng.uniform(-4, 4),
                        ),
                        2,
                    ),
                )
                code = band("ipp", round_half_up(value / 20))
                cell = comma(value) if rng.random() < 0.25 else value
                rows.append(
                    [
                        number,
                        written_name(agency, year),
                        cell,
                        ipp_written_category(code),
                        next(b.label for b in reference.bands("ipp") if b.code == code),
                    ]
                )
            mean = round(sum(float(str(r[2]).replace(",", ".")) for r in rows) / len(rows), 2)
            rows.append([None, "Rata-rata", mean, None, None])
            sheets[sheet] = (
                [
                    f"LAMPIRAN KEPUTUSAN BUPATI BEKASI TENTANG HASIL EVALUASI PELAYANAN PUBLIK TAHUN {year}",
                    "PERANGKAT DAERAH" if sheet == "Lampiran I" else "KECAMATAN",
                ],
                header,
                rows,
            )
        write_xlsx(OUT / "ipp" / f"ipp_{year}.xlsx", sheets)


def make_merit() -> None:
    aspects = [c.name for c in reference.components("merit")]
    totals = {2021: 231.5, 2022: 258.0, 2023: 272.5, 2024: 289.0, 2025: 296.5}
    shares = [0.12, 0.13, 0.14, 0.13, 0.13, 0.12, 0.11, 0.12]
    rows = []
    for year, total in totals.items():
        parts = [round(total * s, 1) for s in shares]
        parts[-1] = round(total - sum(parts[:-1]), 1)
        code = band("merit", total)
        label = next(b.label for b in reference.bands("merit") if b.code == code)
        rows.append(
            [
                year,
                "Pemerintah Kabupaten Bekasi",
                *parts,
                total,
                f"{code} - {label}" if year % 2 else label,
            ]
        )
    header = ["Tahun", "Instansi", *aspects, "Nilai", "Kategori"]
    write_xlsx(
        OUT / "merit" / "merit_2021-2023.xlsx",
        {
            "Penilaian": (
                ["REKAPITULASI PENILAIAN MANDIRI SISTEM MERIT KABUPATEN BEKASI 2021-2023"],
                header,
                rows[:3],
            )
        },
    )
    lines = [header] + [
        [y, n, *[comma(v, 1) for v in vals], comma(t, 1), k] for y, n, *vals, t, k in rows[3:]
    ]
    write_csv(OUT / "merit" / "merit_2024-2025.csv", lines, indonesian=True)


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


def make_targets() -> None:
    lines = [["agency_code", "index_code", "evaluation_year", "target_band_code", "plan_document"]]
    regency = next(a for a in reference.agencies() if a.agency_type == "pemda")
    for agency in (regency, *AGENCIES):
        indices = REGENCY_INDICES if agency is regency else AGENCY_INDICES
        plan = "RPJMD 2021-2026" if agency is regency else "Renstra Perangkat Daerah 2021-2026"
        for index_code in indices:
            for year, band_code in zip(YEARS, TARGET_LADDERS[index_code], strict=True):
                lines.append([agency.code, index_code, year, band_code, plan])
    write_csv(SEEDS / "targets.csv", lines, indonesian=False)


if __name__ == "__main__":
    for maker in (make_sakip, make_rb, make_spip, make_spbe, make_ipp, make_merit, make_targets):
        maker()
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.rglob("*.*"))))
