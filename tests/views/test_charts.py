"""Charts: SVG that parses, names itself, counts its bars, escapes data and needs no CSP change."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import altair as alt
import pytest

from rescue.views import charts
from rescue.views.dashboard import Count, Material, MonthActivity

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&amp;'


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def title_and_desc(root: ET.Element) -> tuple[str | None, str | None]:
    return root.findtext(f"{SVG}title"), root.findtext(f"{SVG}desc")


def marks(root: ET.Element, kind: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("aria-roledescription") == kind]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text")]


def axis_label(root: ET.Element, axis: str) -> str:
    [label] = [
        e.get("aria-label", "")
        for e in root.iter()
        if e.get("aria-roledescription") == "axis" and e.get("aria-label", "").startswith(axis)
    ]
    return label


def assert_csp_safe(root: ET.Element) -> None:
    """Nothing a strict CSP would block or that could run: no style, script, link or object."""
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        assert name not in {"style", "script", "foreignObject", "image", "a", "use"}, name
        assert "style" not in element.attrib
        assert not any(k.endswith("href") or k.startswith("on") for k in element.attrib)


def test_bar_chart_has_one_bar_per_row_with_titles_and_values() -> None:
    rows = [{"k": "alpha", "v": 3}, {"k": "beta", "v": 1200}, {"k": "gamma", "v": 0}]
    root = parse(
        charts.bar_chart(
            rows,
            "k",
            "v",
            title="Things per kind",
            category_title="Kind",
            value_title="Things",
            description="How many things of each kind.",
        )
    )
    assert title_and_desc(root) == ("Things per kind", "How many things of each kind.")
    assert root.get("aria-label") == "Things per kind"
    assert root.get("role") == "graphics-document document"
    assert len(marks(root, "bar")) == 3
    shown = texts(root)
    assert {"Things per kind", "Kind", "Things", "alpha", "beta", "gamma"} <= set(shown)
    assert {"3", "1,200", "0"} <= set(shown)  # each value printed beside its bar
    assert "Kind" in axis_label(root, "Y-axis")
    assert_csp_safe(root)


def test_bar_chart_keeps_the_given_order() -> None:
    rows = [{"k": k, "v": i + 1} for i, k in enumerate(["b", "c", "a"])]
    root = parse(
        charts.bar_chart(
            rows, "k", "v", title="t", category_title="K", value_title="V", order=["c", "a", "b"]
        )
    )
    assert axis_label(root, "Y-axis").endswith("3 values: c, a, b")


def test_stacked_bars_have_a_legend() -> None:
    rows = [
        {"provider": "Host A", "status": "removed", "n": 4},
        {"provider": "Host A", "status": "live", "n": 1},
        {"provider": "Host B", "status": "removed", "n": 2},
    ]
    root = parse(
        charts.bar_chart(
            rows,
            "provider",
            "n",
            title="Notices",
            category_title="Provider",
            value_title="URLs",
            color="status",
            color_title="Status",
        )
    )
    assert len(marks(root, "bar")) == 3
    assert {"removed", "live", "Status"} <= set(texts(root))


def test_hostile_labels_are_escaped_everywhere() -> None:
    rows = [{"country": HOSTILE, "persons": 2}, {"country": "GB", "persons": 1}]
    svg = charts.bar_chart(
        rows,
        "country",
        "persons",
        title=f"Title {HOSTILE}",
        category_title="Country",
        value_title="Persons",
        description=f"Desc {HOSTILE}",
    )
    assert "<script" not in svg
    root = parse(svg)
    assert HOSTILE in texts(root)  # shown as the literal text it is
    assert title_and_desc(root) == (f"Title {HOSTILE}", f"Desc {HOSTILE}")
    assert root.get("aria-label") == f"Title {HOSTILE}"
    assert any(HOSTILE in (e.get("aria-label") or "") for e in marks(root, "bar"))
    assert_csp_safe(root)


def test_hostile_series_names_in_a_line_chart_are_escaped() -> None:
    rows = [
        {"month": "2024-01-01", "series": HOSTILE, "n": 1},
        {"month": "2024-02-01", "series": HOSTILE, "n": 2},
    ]
    svg = charts.line_chart(rows, "month", "n", "series", title="T", x_title="M", y_title="N")
    assert "<script" not in svg
    assert HOSTILE in texts(parse(svg))


def test_line_chart_draws_one_line_per_series_with_months_in_utc() -> None:
    rows = [
        {"month": f"2024-{m:02d}-01", "series": s, "n": m * (2 if s == "Posts" else 1)}
        for m in (1, 2, 3)
        for s in ("Posts", "Messages")
    ]
    root = parse(
        charts.line_chart(
            rows,
            "month",
            "n",
            "series",
            title="Activity",
            x_title="Month",
            y_title="Count",
            color_title="What",
        )
    )
    assert title_and_desc(root)[0] == "Activity"
    lines = marks(root, "line mark")
    assert len(lines) == 2
    assert all("What: " in (line.get("aria-label") or "") for line in lines)
    # A UTC scale: 2024-01-01 is January wherever the server runs.
    assert "from January 2024 to March 2024" in axis_label(root, "X-axis")
    assert_csp_safe(root)


def test_a_step_line_for_survival_curves_takes_shares() -> None:
    rows = [
        {"days": d, "live": share, "provider": p}
        for p, points in {"A": [(0, 1.0), (2, 0.5), (9, 0.1)], "B": [(0, 1.0), (4, 0.0)]}.items()
        for d, share in points
    ]
    root = parse(
        charts.line_chart(
            rows,
            "days",
            "live",
            "provider",
            title="URLs still live",
            x_title="Days since notice",
            y_title="Share live",
            x_type="quantitative",
            y_format=".0%",
            step=True,
        )
    )
    assert len(marks(root, "line mark")) == 2
    assert {"0%", "100%"} <= set(texts(root))


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart([], "k", "v", title="Empty bars", category_title="K", value_title="V"),
        charts.line_chart([], "x", "y", title="Empty bars", x_title="X", y_title="Y"),
        charts.no_data("Empty bars"),
    ],
    ids=["bar", "line", "direct"],
)
def test_empty_data_gives_a_small_no_data_svg(svg: str) -> None:
    root = parse(svg)
    assert title_and_desc(root) == ("Empty bars", "no data yet")
    assert texts(root) == ["Empty bars", "no data yet"]
    assert root.get("role") == "img"
    assert_csp_safe(root)


def test_no_data_escapes_its_title() -> None:
    svg = charts.no_data(HOSTILE)
    assert "<script" not in svg
    assert parse(svg).findtext(f"{SVG}title") == HOSTILE


def test_dashboard_charts_render_their_sections() -> None:
    activity = [
        MonthActivity("2024-01", 5, 1, 3),
        MonthActivity("2024-02", 0, 0, 0),
        MonthActivity("2024-03", 7, 2, 1),
    ]
    root = parse(charts.activity_chart(activity))
    assert title_and_desc(root)[0] == "Activity by month"
    assert len(marks(root, "line mark")) == 3
    assert {"Posts", "Private messages", "New accounts"} <= set(texts(root))

    tiers = [Count("Very High", 2), Count("High", 0), Count("Medium", 5), Count("Low", 40)]
    root = parse(charts.tiers_chart(tiers))
    assert len(marks(root, "bar")) == 4
    assert axis_label(root, "Y-axis").endswith("4 values: Very High, High, Medium, Low")

    root = parse(charts.material_chart(Material(10, 3, 2, 4, 2)))
    assert title_and_desc(root)[0] == "Known and new material"
    assert len(marks(root, "bar")) == 3
    assert {"3", "2", "4"} <= set(texts(root))
    assert "2 clusters" in (title_and_desc(root)[1] or "")


def test_persons_by_country_shows_the_top_then_other_then_unknown() -> None:
    counts = [Count(f"C{i:02d}", 100 - i) for i in range(15)] + [Count("unknown", 50)]
    root = parse(charts.persons_by_country_chart(counts, top=10))
    assert len(marks(root, "bar")) == 12  # ten countries, "other" and "unknown"
    assert axis_label(root, "Y-axis").endswith(
        "12 values: C00, C01, C02, C03, C04, ending with unknown"
    )
    names = [t for t in texts(root) if t.startswith("C") or t in ("other", "unknown")]
    assert names[names.index("C09") :][:3] == ["C09", "other", "unknown"]  # axis order
    other = sum(100 - i for i in range(10, 15))
    assert str(other) in texts(root)


@pytest.mark.parametrize(
    "svg",
    [
        charts.activity_chart([]),
        charts.persons_by_country_chart([]),
        charts.tiers_chart(()),
        charts.material_chart(None),
    ],
    ids=["activity", "countries", "tiers", "material"],
)
def test_dashboard_charts_of_an_empty_case(svg: str) -> None:
    assert "no data yet" in texts(parse(svg))


def test_dashboard_charts_are_memoised_on_their_sections() -> None:
    tiers = (Count("Very High", 1), Count("High", 2), Count("Medium", 3), Count("Low", 4))
    assert charts.tiers_chart(tiers) is charts.tiers_chart(list(tiers))


def test_a_chart_may_fetch_no_url() -> None:
    chart = alt.Chart(alt.UrlData(url="http://127.0.0.1:9/data.json")).mark_bar()
    with pytest.raises(ValueError, match="not allowed"):
        charts.render(chart.encode(x="a:N", y="b:Q"), title="t", description="d")
