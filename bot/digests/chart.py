"""A small trend chart of a digest's top themes, as PNG bytes.

Optional: matplotlib comes with the `[chart]` extra. Without it `trend_png` returns None
and the digest goes out without its picture. Only matplotlib's object API and the Agg
canvas are used (no pyplot), so charts can be drawn from several threads at once.
"""

from __future__ import annotations

import io
import logging

from .build import Trend

log = logging.getLogger(__name__)


def available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def trend_png(trend: Trend, title: str) -> bytes | None:
    """Quotes per period for each theme, one line each; None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        log.info("digest chart skipped: matplotlib is not installed (pip install 'empty-chair[chart]')")
        return None
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(trend.labels))
    for name, counts in trend.series:
        axes.plot(positions, counts, marker="o", linewidth=2, label=name)
    axes.set_xticks(list(positions), trend.labels)
    axes.tick_params(labelsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(fontsize=8, frameon=False, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
