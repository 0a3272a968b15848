"""The server-rendered charts: valid SVG, accessible (role, title, desc), bands and values labelled in
text, no style attribute or script (CSP), every text escaped."""

import datetime
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.registry import get_instrument
from openiop.measures.svg import Bar, ChartPoint, bar_chart, describe_trajectory, line_chart, trajectory_svg
from openiop.measures.trajectory import Observation, build_trajectory

NS = {"svg": "http://www.w3.org/2000/svg"}
START = datetime.date(2026, 9, 7)


def trajectory(*totals):
    observations = [Observation(START + datetime.timedelta(days=7 * i), t) for i, t in enumerate(totals)]
    return build_trajectory(get_instrument("PHQ-9"), observations, start=START)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup


def texts(root) -> list[str]:
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_trajectory_chart_is_an_image_named_by_its_title_and_description():
    root = parse(trajectory_svg(trajectory(18, 12, 9), chart_id="c1"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("svg:title", NS).text == "PHQ-9 scores over time"
    desc = root.find("svg:desc", NS).text
    assert "18 on 2026-09-07 (Moderately severe) at baseline" in desc
    assert "9 on 2026-09-21 (Mild)" in desc
    assert "change −9 points: reliable improvement" in desc


def test_bands_are_shaded_and_named_and_points_carry_their_scores():
    root = parse(trajectory_svg(trajectory(18, 12, 9), chart_id="c1"))
    labels = texts(root)
    for band in ("Minimal", "Mild", "Moderate", "Moderately severe", "Severe"):
        assert band in labels
    for score in ("18", "12", "9"):
        assert score in labels
    assert len(root.findall("svg:circle", NS)) == 3
    assert len(root.findall("svg:polyline", NS)) == 1
    assert len(root.findall("svg:rect", NS)) == 5  # one strip per band


def test_compact_chart_leaves_band_names_to_the_table():
    root = parse(trajectory_svg(trajectory(18, 12), chart_id="p", compact=True))
    assert "Moderate" not in texts(root)
    assert root.get("viewBox") == "0 0 420 180"


def test_no_style_attribute_and_no_script():
    markup = trajectory_svg(trajectory(18, 12, 9), chart_id="c") + bar_chart(
        chart_id="b", title="T", description="D", bars=[Bar("Response", 50, "50% (1 of 2)")]
    )
    assert "style=" not in markup and "<script" not in markup and "on" + "click" not in markup


def test_single_point_is_centred_and_described():
    t = trajectory(14)
    root = parse(trajectory_svg(t, chart_id="one"))
    assert len(root.findall("svg:circle", NS)) == 1 and root.find("svg:polyline", NS) is None
    assert "A follow-up is needed" in describe_trajectory(t)


def test_empty_trajectory_is_still_valid_svg():
    t = build_trajectory(get_instrument("PHQ-9"), [])
    root = parse(trajectory_svg(t, chart_id="none"))
    assert root.find("svg:desc", NS).text == "No scored PHQ-9 in this episode."


def test_text_is_escaped():
    markup = line_chart(
        chart_id='x"><script>',
        title="<b>",
        description="a & b",
        points=[ChartPoint(START, 3, "<3>")],
        y_min=0,
        y_max=5,
    )
    root = parse(markup)
    assert root.find("svg:title", NS).text == "<b>"
    assert "<script>" not in markup


def test_bar_chart_draws_each_rate_with_its_words():
    bars = [Bar("Reliable improvement", 60, "60% (3 of 5)"), Bar("Response", None, "— (0 of 0)")]
    root = parse(bar_chart(chart_id="rates", title="Outcomes", description="Rates.", bars=bars))
    labels = texts(root)
    assert "Reliable improvement" in labels and "60% (3 of 5)" in labels and "— (0 of 0)" in labels
    # A background track per bar, and a filled bar only where there is a value.
    assert len(root.findall("svg:rect", NS)) == 3
    filled = [r for r in root.findall("svg:rect", NS) if r.get("fill") == "#0b5394"]
    assert filled[0].get("width") == "186"  # 60 % of the 310-wide plot


@given(st.lists(st.integers(0, 27), min_size=1, max_size=15))
def test_every_point_lies_inside_the_plot(totals):
    root = parse(trajectory_svg(trajectory(*totals), chart_id="h"))
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    for circle in root.findall("svg:circle", NS):
        assert 0 <= float(circle.get("cx")) <= width
        assert 0 <= float(circle.get("cy")) <= height
