"""Charts for the digest and the monthly report, drawn with a CJK font.

matplotlib's default font has no Chinese glyphs and silently draws boxes
(豆腐块) instead. :func:`cjk_font` finds an installed font that covers the
characters a report uses (Noto Sans CJK, Source Han Sans, WenQuanYi, …) and
fails with a clear error naming the package to install when there is none.
Every chart is checked before it is saved: a character without a glyph in the
chosen font is an error, never a box in the picture.

Charts are drawn on :class:`matplotlib.figure.Figure` objects (no pyplot), so
the scheduler's threads can render at the same time as the web app.
"""
from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import matplotlib

# Figures are drawn on the Agg canvas directly: no pyplot, so the global backend
# (inline in a notebook, none on a server) is left alone.
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from yuqing.errors import YuqingError

log = logging.getLogger(__name__)

#: fonts tried in order; the first installed one that covers the probe text wins
CJK_FONT_PREFERENCE = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
)

#: characters every report draws; a font must have all of them
PROBE = "舆情日报月报云溪县特别重大或较大一般影响较小条数时段来源话题级别脱贫攻坚生态环境征地拆迁权力监督"

#: one colour per level, most severe first (red, orange, yellow, blue: the usual warning scale)
LEVEL_COLOURS = {4: "#c0392b", 3: "#e67e22", 2: "#f1c40f", 1: "#3498db", 0: "#95a5a6"}

INSTALL_HINT = (
    "no font with Chinese glyphs found; install one so charts do not show boxes: "
    "apt-get install fonts-noto-cjk (or fonts-wqy-zenhei), then delete matplotlib's font cache "
    f"({matplotlib.get_cachedir()}) and run again"
)

_render_lock = threading.Lock()


@dataclass(frozen=True)
class CjkFont:
    name: str
    path: str
    index: int

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` that have no glyph in this font (whitespace ignored)."""
        return _missing(self.path, self.index, text)


def _ft2font(path: str, index: int):
    from matplotlib.ft2font import FT2Font

    return FT2Font(path, face_index=index)


@lru_cache(maxsize=32)
def _charmap(path: str, index: int) -> frozenset[int]:
    return frozenset(_ft2font(path, index).get_charmap())


def _missing(path: str, index: int, text: str) -> set[str]:
    cmap = _charmap(path, index)
    return {c for c in text if not c.isspace() and ord(c) not in cmap}


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    """The CJK font reports are drawn with; raises :class:`YuqingError` if none is installed."""
    entries = _font_entries()
    if not any(e.name in CJK_FONT_PREFERENCE for e in entries):
        # the font cache may predate the font's installation
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        entries = _font_entries()
    ranked = sorted(
        (e for e in entries if e.name in CJK_FONT_PREFERENCE),
        key=lambda e: (CJK_FONT_PREFERENCE.index(e.name), abs(_weight(e.weight) - 400)),
    )
    # any other font that covers the probe text is a last resort
    others = [e for e in entries if e.name not in CJK_FONT_PREFERENCE]
    for entry in ranked + others:
        try:
            if not _missing(entry.fname, getattr(entry, "index", 0), PROBE):
                font = CjkFont(entry.name, entry.fname, getattr(entry, "index", 0))
                log.debug("charts use %s (%s)", font.name, font.path)
                return font
        except (OSError, RuntimeError, ValueError):
            continue
    raise YuqingError(INSTALL_HINT)


def _font_entries():
    return [e for e in font_manager.fontManager.ttflist if e.fname.lower().endswith((".ttf", ".otf", ".ttc"))]


def _weight(w) -> int:
    if isinstance(w, int):
        return w
    return font_manager.weight_dict.get(str(w), 400)


def _resolved(text: Text) -> tuple[str, int]:
    found = font_manager.findfont(text.get_fontproperties())
    return str(getattr(found, "path", found)), int(getattr(found, "face_index", 0))


def check_glyphs(fig: Figure, font: CjkFont) -> None:
    """Fail if any text in the figure has a character its font (regular or bold face) cannot draw."""
    missing: set[str] = set()
    for text in fig.findobj(Text):
        content = text.get_text()
        if content and text.get_visible():
            path, index = _resolved(text)
            missing |= _missing(path, index, content)
    if missing:
        raise YuqingError(
            f"the chart font {font.name} has no glyph for {''.join(sorted(missing))!r}; "
            "install fonts-noto-cjk or rename the topic/source"
        )


@dataclass
class Chart:
    """One rendered chart: a file on disk and its PNG bytes (embedded in HTML)."""

    name: str
    title: str
    path: Path
    png: bytes
    #: every text drawn (title, labels, ticks, notes) with the font file and face it is drawn with
    texts: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def fonts(self) -> set[tuple[str, int]]:
        return {(path, index) for _, path, index in self.texts}

    def data_uri(self) -> str:
        import base64

        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _render(fig: Figure, font: CjkFont, path: Path, name: str, title: str) -> Chart:
    check_glyphs(fig, font)
    texts = [(t.get_text(), *_resolved(t)) for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": "yuqing"})
    png = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return Chart(name=name, title=title, path=path, png=png, texts=texts)


def _style(font: CjkFont) -> dict:
    return {
        "font.family": [font.name, "DejaVu Sans"],
        "axes.unicode_minus": False,  # the CJK font's minus sign is fine, but keep ASCII hyphen-minus
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "font.size": 10,
    }


def _empty_note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def bar_chart(
    path: Path,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    colours: Sequence[str] | None = None,
    previous: Sequence[int] | None = None,
    previous_label: str = "上期",
    current_label: str = "本期",
    unit: str = "条",
    empty_text: str = "无数据",
    name: str | None = None,
) -> Chart:
    """Horizontal bars (long Chinese labels read better sideways), optionally beside a previous period."""
    font = cjk_font()
    with _render_lock, rc_context(_style(font)):
        height = max(2.4, 0.42 * max(len(labels), 1) + 1.2)
        fig = Figure(figsize=(7.2, height))
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title(title)
        if not labels or not any(values) and not (previous and any(previous)):
            _empty_note(ax, empty_text)
        else:
            ys = list(range(len(labels)))[::-1]
            if previous is not None:
                ax.barh([y + 0.2 for y in ys], values, height=0.4, color=colours or "#2c7fb8", label=current_label)
                ax.barh([y - 0.2 for y in ys], previous, height=0.4, color="#bdbdbd", label=previous_label)
                ax.legend(loc="lower right", frameon=False)
            else:
                ax.barh(ys, values, height=0.6, color=colours or "#2c7fb8")
            ax.set_yticks(ys)
            ax.set_yticklabels(labels)
            top = max(list(values) + list(previous or [0]))
            for y, v in zip(ys, values):
                ax.text(v + top * 0.01, y + (0.2 if previous is not None else 0), f"{v}", va="center", fontsize=9)
            ax.set_xlabel(unit)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(0, top * 1.15 + 1)
        fig.tight_layout()
        return _render(fig, font, path, name or path.stem, title)


def time_chart(
    path: Path,
    title: str,
    buckets: Sequence[tuple[str, int]],
    *,
    previous: Sequence[tuple[str, int]] | None = None,
    previous_label: str = "上期",
    current_label: str = "本期",
    unit: str = "条",
    empty_text: str = "无数据",
    name: str | None = None,
    label_every: int = 1,
) -> Chart:
    """Volume over time: one bar per bucket (hour or day), optionally a previous period as a line."""
    font = cjk_font()
    with _render_lock, rc_context(_style(font)):
        fig = Figure(figsize=(7.6, 3.2))
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title(title)
        values = [v for _, v in buckets]
        if not buckets or not any(values) and not (previous and any(v for _, v in previous)):
            _empty_note(ax, empty_text)
        else:
            xs = list(range(len(buckets)))
            ax.bar(xs, values, color="#2c7fb8", width=0.8, label=current_label)
            if previous is not None:
                pv = [v for _, v in previous][: len(xs)]
                ax.plot(xs[: len(pv)], pv, color="#7f7f7f", marker="o", markersize=3, linewidth=1.2, label=previous_label)
                ax.legend(loc="upper right", frameon=False)
            ticks = xs[::label_every]
            ax.set_xticks(ticks)
            ax.set_xticklabels([buckets[i][0] for i in ticks], fontsize=8)
            ax.set_ylabel(unit, rotation=0, labelpad=12)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlim(-0.6, len(xs) - 0.4)
        fig.tight_layout()
        return _render(fig, font, path, name or path.stem, title)


def hour_labels(starts: Iterable[datetime]) -> list[str]:
    return [f"{t:%H}时" for t in starts]


def day_labels(days: Iterable[date]) -> list[str]:
    return [f"{d.day}日" for d in days]


def render_text_bitmap(text: str, path: str, index: int = 0, size: int = 48):
    """The text as FreeType draws it with one font: a 2-D numpy array (used to prove glyphs are not boxes)."""
    import numpy as np

    ft = _ft2font(path, index)
    ft.set_size(size, 72)
    ft.set_text(text, 0.0)
    ft.draw_glyphs_to_bitmap(antialiased=True)
    return np.asarray(ft.get_image())
