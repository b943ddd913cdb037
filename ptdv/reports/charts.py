"""A report's :class:`~ptdv.reports.tables.Chart` drawn as SVG markup to inline in the page.

- Drawn by pygal on the server: the chart shows without JavaScript and prints as it is seen.
- No script at all: pygal's tooltips script (fetched from the internet by default) is off, and
  the configuration script it always writes into the SVG is removed, as are its comments.
- Print-friendly: white background, dark text, solid colours, values printed on the bars.
- Readable whatever the data: many labels (and every funnel) are drawn as horizontal bars
  (:func:`drawn_kind`), as tall as they need.
- Accessible: ``role="img"`` with the chart's title as its label; the page shows the same
  figures as a table.
- Numbers follow the active language's format, thousands grouped (``1.842``, ``87,3`` in
  Vietnamese; ``numbers.shown``).
"""

from __future__ import annotations

from collections.abc import Callable

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from .numbers import shown
from .tables import Chart

WIDTH, HEIGHT = 760, 380
#: Height of one horizontal bar, in the SVG's units.
BAR_HEIGHT = 26
#: More labels than this: horizontal bars.
MAX_COLUMNS = 8
FONT = 'system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif'
#: Distinct in colour and still apart in grey on a black-and-white printer.
COLOURS = (
    "#a30d11",  # the party's red (site.css)
    "#0a4fa3",
    "#8a5a00",
    "#2e7d32",
    "#5e35b1",
    "#6d4c41",
    "#00727d",
    "#596366",
)


def print_style(*, values_inside: bool) -> Style:
    """White paper, dark text; values written inside dark shapes are white."""
    return Style(
        background="white",
        plot_background="white",
        foreground="#212529",
        foreground_strong="#212529",
        foreground_subtle="#adb5bd",
        guide_stroke_color="#ced4da",
        major_guide_stroke_color="#adb5bd",
        opacity="1",
        opacity_hover="1",
        transition="0ms",
        colors=COLOURS,
        value_colors=("white",) * len(COLOURS) if values_inside else (),
        font_family=FONT,
        title_font_size=16,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=13,
        value_font_size=12,
        value_label_font_size=12,
        tooltip_font_size=12,
    )


_KINDS: dict[str, type[pygal.graph.graph.Graph]] = {
    "bar": pygal.Bar,
    "hbar": pygal.HorizontalBar,
    "pie": pygal.Pie,
}
KINDS = frozenset({*_KINDS, "funnel"})


def render(chart: Chart, *, width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    """The chart as ``<svg>`` markup, safe to put in a page as it is."""
    if chart.kind not in KINDS:
        raise ValueError(f"Unknown chart kind: {chart.kind!r}")
    kind = drawn_kind(chart)
    if kind == "hbar":
        bars = len(chart.labels) * max(len(chart.series), 1)
        height = max(height, 100 + BAR_HEIGHT * bars)
    drawing = _KINDS[kind](_config(chart, kind, width, height))
    if kind == "pie":
        # One slice per label, from the first series.
        values = chart.series[0].values if chart.series else []
        for label, value in zip(chart.labels, values, strict=False):
            if value is not None:
                drawing.add(label, [value])
    elif kind == "hbar":
        # pygal draws the first label at the bottom: reversed, the table's order reads downwards.
        drawing.x_labels = list(reversed(chart.labels))
        for series in chart.series:
            drawing.add(series.name, list(reversed(series.values)))
    else:
        drawing.x_labels = chart.labels
        for series in chart.series:
            drawing.add(series.name, list(series.values))
    if kind == "hbar":
        drawing.add_xml_filter(_values_after_bars)
    drawing.add_xml_filter(_accessible(chart.title))
    # pygal builds the SVG as an XML tree: every label and title is escaped.
    return mark_safe(drawing.render(is_unicode=True))


def drawn_kind(chart: Chart) -> str:
    """How the chart is drawn.

    - A funnel: horizontal bars, one per stage from top to bottom (a dozen stages do not fit
      in a funnel's shape legibly, and a stage nobody entered would pinch it to a point).
    - Vertical bars for a few labels; more (the units of a district) are drawn horizontally,
      one readable line per label.
    - A pie with more slices than there are colours: horizontal bars as well.
    """
    if chart.kind == "funnel":
        return "hbar"
    if chart.kind == "bar" and len(chart.labels) > MAX_COLUMNS:
        return "hbar"
    if chart.kind == "pie" and len(chart.labels) > len(COLOURS):
        return "hbar"
    return chart.kind


def _config(chart: Chart, kind: str, width: int, height: int) -> pygal.Config:
    config = pygal.Config()
    config.js = []  # the default loads a script from the internet
    config.disable_xml_declaration = True
    config.width, config.height = width, height
    config.style = print_style(values_inside=kind == "pie")
    config.title = chart.title
    config.value_formatter = _formatter(chart.percent)
    config.print_values = True
    config.print_zeroes = True
    config.truncate_label = -1  # organisation names are never cut
    config.truncate_legend = -1
    config.no_data_text = "—"
    config.legend_at_bottom = True
    if kind == "pie":
        config.show_legend = True
    else:
        config.show_legend = len(chart.series) > 1
        config.print_values_position = "top"
        config.range = (0, 100) if chart.percent else None
        config.include_x_axis = True
        if kind == "bar" and len(chart.labels) > 4:
            config.x_label_rotation = 20
    return config


def _formatter(percent: bool) -> Callable[[float | None], str]:
    def format_value(value: float | None) -> str:
        if value is None:
            return "—"
        value = float(value)
        text = shown(int(value)) if value.is_integer() else shown(round(value, 2), None)
        return f"{text}%" if percent else text

    return format_value


def _accessible(title: str) -> Callable:
    """An XML filter: no script, no comment, ``role="img"`` labelled with the chart's title."""

    def clean(root):
        for parent in [root, *root.iter()]:
            for child in list(parent):
                if not isinstance(child.tag, str) or child.tag.endswith("script"):
                    parent.remove(child)  # comments (tag is a function) and scripts
        root.set("role", "img")
        root.set("aria-label", title)
        root.set("class", f"{root.get('class', '')} report-chart".strip())
        return root

    return clean


def _values_after_bars(root):
    """An XML filter: a horizontal bar's value is written after its end, not across it."""
    for text in root.iter():
        if isinstance(text.tag, str) and text.tag.endswith("text") and text.get("class") == "value":
            text.set("text-anchor", "start")
            text.set("x", str(float(text.get("x", "0")) + 4))
    return root
