"""Server-rendered SVG charts: a score trajectory with shaded severity bands, and a horizontal bar chart.

No script and no `style` attribute (the CSP forbids inline styles): geometry and colour are SVG
presentation attributes. Each chart is `role="img"` with a <title> and a <desc> that say in words what it
shows; the page puts the same numbers in a table beside it, so nothing depends on seeing the chart, and
every band and value is labelled in text, never told by colour alone.

Plain Python: numbers in, markup out (every text escaped).
"""

import datetime
from dataclasses import dataclass
from html import escape

from .trajectory import signed

# Light fills from calm to severe; all pass AA contrast with the ink-coloured text drawn on them.
BAND_FILLS = ("#e3f4e8", "#eef6d9", "#fff4d6", "#fde4cf", "#fbd5d5", "#f6c6c6", "#f1b8b8")
INK = "#1b1f24"
MUTED = "#4a5560"
LINE = "#0b5394"
GRID = "#c9d1d9"
BAR = "#0b5394"


@dataclass(frozen=True)
class ChartPoint:
    on: datetime.date
    value: float
    label: str  # drawn next to the point (the score)


@dataclass(frozen=True)
class ChartBand:
    low: float
    high: float
    label: str
    level: int


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # percent 0-100; None: not computable (nothing in the denominator)
    text: str  # drawn after the bar, e.g. "40% (2 of 5)"


def _attrs(**attributes) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"' for name, value in attributes.items()
    )


def _text(x, y, content, **attributes) -> str:
    return f"<text {_attrs(x=_r(x), y=_r(y), **attributes)}>{escape(content)}</text>"


def _r(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: list[ChartPoint],
    y_min: float,
    y_max: float,
    bands: list[ChartBand] = (),
    width: int = 640,
    height: int = 280,
    compact: bool = False,
) -> str:
    """A line of `points` over time on a y axis from y_min to y_max (lower values at the bottom), with
    `bands` as labelled shaded strips behind it. `compact` drops axis titles and band names for a panel."""
    left, right = (34, 12) if compact else (40, 150)
    top, bottom = 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (y_max - y_min) or 1

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / span)

    days = [p.on for p in points]
    first, last = (min(days), max(days)) if days else (None, None)
    total_days = (last - first).days if days else 0

    def x_of(day: datetime.date) -> float:
        if not total_days:
            return left + plot_w / 2
        return left + plot_w * (day - first).days / total_days

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {width} {height}", width="100%", role="img")}'
        f' aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" focusable="false"'
        f' preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for band in bands:
        y_top, y_bottom = y_of(band.high), y_of(band.low)
        fill = BAND_FILLS[min(band.level, len(BAND_FILLS) - 1)]
        parts.append(
            f"<rect {_attrs(x=left, y=_r(y_top), width=plot_w, height=_r(y_bottom - y_top), fill=fill)}/>"
        )
        if not compact:
            parts.append(
                _text(left + plot_w + 6, (y_top + y_bottom) / 2 + 4, band.label, fill=INK, font_size=12)
            )
    # The axis: ticks at the bottom, the top and the band boundaries, so the strips can be read.
    ticks = sorted({y_min, y_max, *(round(b.low + 0.5) for b in bands if b.low > y_min)})
    for tick in ticks:
        y = y_of(tick)
        parts.append(f"<line {_attrs(x1=left, x2=left + plot_w, y1=_r(y), y2=_r(y), stroke=GRID)}/>")
        parts.append(_text(left - 6, y + 4, f"{tick:g}", fill=MUTED, font_size=11, text_anchor="end"))
    parts.append(
        f"<line {_attrs(x1=left, x2=left, y1=top, y2=top + plot_h, stroke=MUTED)}/>"
        f"<line {_attrs(x1=left, x2=left + plot_w, y1=top + plot_h, y2=top + plot_h, stroke=MUTED)}/>"
    )
    if days:
        parts.append(_text(left, height - 8, first.isoformat(), fill=MUTED, font_size=11))
        if total_days:
            parts.append(
                _text(
                    left + plot_w, height - 8, last.isoformat(), fill=MUTED, font_size=11, text_anchor="end"
                )
            )
    coordinates = [(x_of(p.on), y_of(p.value)) for p in points]
    if len(coordinates) > 1:
        path = " ".join(f"{_r(x)},{_r(y)}" for x, y in coordinates)
        parts.append(f"<polyline {_attrs(points=path, fill='none', stroke=LINE, stroke_width=2.5)}/>")
    for point, (x, y) in zip(points, coordinates, strict=True):
        parts.append(
            f"<circle {_attrs(cx=_r(x), cy=_r(y), r=4.5, fill=LINE, stroke='#ffffff', stroke_width=1.5)}/>"
        )
        # The value above the point, or below it at the top of the chart.
        label_y = y - 9 if y - 9 > top + 8 else y + 18
        parts.append(
            _text(x, label_y, point.label, fill=INK, font_size=12, font_weight=700, text_anchor="middle")
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(*, chart_id: str, title: str, description: str, bars: list[Bar], width: int = 640) -> str:
    """Horizontal bars of percentages (0–100), one row each, the value in words after each bar."""
    label_w, text_w, row_h, top = 200, 130, 30, 8
    plot_w = width - label_w - text_w
    height = top * 2 + row_h * max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {width} {height}", width="100%", role="img")}'
        f' aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" focusable="false">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * row_h
        parts.append(
            _text(label_w - 8, y + row_h / 2 + 4, bar.label, fill=INK, font_size=12, text_anchor="end")
        )
        parts.append(f"<rect {_attrs(x=label_w, y=y + 5, width=plot_w, height=row_h - 10, fill='#f4f6f8')}/>")
        if bar.value is not None:
            bar_w = plot_w * max(0.0, min(100.0, bar.value)) / 100
            parts.append(
                f"<rect {_attrs(x=label_w, y=y + 5, width=_r(bar_w), height=row_h - 10, fill=BAR)}/>"
            )
        parts.append(_text(label_w + plot_w + 8, y + row_h / 2 + 4, bar.text, fill=INK, font_size=12))
    parts.append(f"<line {_attrs(x1=label_w, x2=label_w, y1=top, y2=height - top, stroke=MUTED)}/>")
    parts.append("</svg>")
    return "".join(parts)


def describe_trajectory(trajectory) -> str:
    """The chart's <desc>: what it shows, in words (the table beside it has every value)."""
    points = trajectory.points
    if not points:
        return f"No scored {trajectory.instrument_code} in this episode."
    first, last = points[0], points[-1]

    def scored(point) -> str:
        return f"{point.score} on {point.on.isoformat()}" + (f" ({point.band})" if point.band else "")

    if len(points) == 1:
        return (
            f"One {trajectory.instrument_code} score: {scored(first)}. A follow-up is needed to judge change."
        )
    text = (
        f"{len(points)} {trajectory.instrument_code} scores, from {scored(first)} at baseline "
        f"to {scored(last)}"
    )
    change = trajectory.change
    if change is not None:
        text += f"; change {signed(change.difference)} points"
        if trajectory.classification_label:
            text += f": {trajectory.classification_label.lower()}"
    bands = ", ".join(f"{b.label} {b.min}–{b.max}" for b in trajectory.bands)
    if bands:
        text += f". Severity bands: {bands}"
    return text + "."


def trajectory_svg(trajectory, *, chart_id: str, compact: bool = False) -> str:
    """The line chart of a trajectory.Trajectory: scores over time on its full range, bands shaded."""
    title = f"{trajectory.instrument_code} scores over time"
    return line_chart(
        chart_id=chart_id,
        title=title,
        description=describe_trajectory(trajectory),
        points=[
            ChartPoint(p.on, p.score, f"{p.score}{'*' if p.prorated else ''}") for p in trajectory.points
        ],
        y_min=trajectory.min_total,
        y_max=trajectory.max_total,
        bands=[ChartBand(b.low, b.high, b.label, b.level) for b in trajectory.bands],
        width=420 if compact else 640,
        height=180 if compact else 280,
        compact=compact,
    )
