"""The regency's trend per index as inline SVG, drawn by matplotlib without a browser.

Text is drawn as paths, so the SVG needs no font at view time; ids are salted so that the same
data gives the same bytes.
"""

from __future__ import annotations

import io

import pandas as pd

from reports.bahasa import angka, nama_indeks

LINE, POINT = "#1f4e79", "#c55a11"


def trend_svg(trend: pd.DataFrame, indices: pd.DataFrame) -> str | None:
    """Small multiples, one panel per index the regency has scores of; None when it has none."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    shown = indices[indices["index_code"].isin(trend["index_code"])]
    if shown.empty:
        return None
    columns = min(3, len(shown))
    rows = -(-len(shown) // columns)
    with matplotlib.rc_context(
        {"svg.hashsalt": "kinerja", "svg.fonttype": "path", "font.size": 13}
    ):
        figure, axes = plt.subplots(
            rows, columns, figsize=(5.2 * columns, 3.0 * rows), squeeze=False
        )
        for ax in axes.flat[len(shown) :]:
            ax.set_visible(False)
        for ax, index in zip(axes.flat, shown.itertuples(), strict=False):
            series = trend[trend["index_code"] == index.index_code]
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
