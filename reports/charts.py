"""The regency's trend, an inline SVG per index, drawn by matplotlib without a browser.

Text is drawn as paths, so the SVG needs no font at view time; ids are salted so that the same
data gives the same bytes.
"""

from __future__ import annotations

import io

import pandas as pd

from reports.bahasa import angka, nama_indeks

LINE, POINT = "#1f4e79", "#c55a11"


def trend_svgs(trend: pd.DataFrame, indices: pd.DataFrame) -> dict[str, str]:
    """A chart per index the regency has scores of, each its own SVG, so that a phone shows one
    at a time at a readable size (one figure of five panels shrinks its text to 4 px there)."""
    shown = indices[indices["index_code"].isin(trend["index_code"])]
    return {
        index.index_code: _trend_svg(trend[trend["index_code"] == index.index_code], index)
        for index in shown.itertuples()
    }


def _trend_svg(series: pd.DataFrame, index) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context(
        {"svg.hashsalt": "kinerja", "svg.fonttype": "path", "font.size": 13}
    ):
        figure, ax = plt.subplots(figsize=(5.2, 3.0))
        years, scores = series["evaluation_year"].tolist(), series["score"].tolist()
        ax.plot(years, scores, color=LINE, linewidth=2.5, marker="o", markerfacecolor=POINT)
        for year, score in zip(years, scores, strict=True):
            ax.annotate(
                angka(score),
                (year, score),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=11,
            )
        ax.set_title(nama_indeks(index.index_code), fontweight="bold", loc="left")
        ax.set_ylim(index.scale_min, index.scale_max * 1.12)
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
        # A tick on each evaluation year shown (a locator puts fractional years around one).
        ax.set_xticks(years, [str(year) for year in years])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: angka(value, 0)))
        ax.grid(axis="y", color="#dddddd")
        ax.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
