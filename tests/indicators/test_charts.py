"""The season's charts: drawn offline from the indicator tables, as PNG and SVG, in any language."""

import io
import re
from dataclasses import replace

import pytest
from django.utils import translation
from PIL import Image

from tengri.indicators.charts import CHARTS, chart_image, chart_table
from tests.indicators.report_world import tables


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_draws_its_table_as_png_and_svg(name):
    table = tables()[chart_table(name)]
    png = chart_image(name, table, "png")
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.width > 600 and picture.height > 300
    svg = chart_image(name, table, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_the_svg_is_the_same_for_the_same_numbers_and_changes_with_them():
    table = tables()["crossings.by_month_checkpoint"]
    assert chart_image("flows", table, "svg") == chart_image("flows", table, "svg")  # no creation date inside
    more = replace(table, rows=(*table.rows, ("2027-09", "KRK", "exit", 4000)))
    assert chart_image("flows", more, "svg") != chart_image("flows", table, "svg")


def test_the_flows_chart_names_every_checkpoint_and_month():
    svg = chart_image("flows", tables()["crossings.by_month_checkpoint"], "svg").decode()
    # matplotlib writes text as glyph paths with the string in a comment: look for the labels there.
    labels = set(re.findall(r"<!-- (.*?) -->", svg))
    assert {"INY", "KRK", "2027-07", "2027-08"} <= labels


def test_an_empty_table_draws_a_chart_that_says_so():
    empty = replace(tables()["crossings.by_nationality"], rows=())
    svg = chart_image("nationality", empty, "svg").decode()
    assert "No data for this period" in set(re.findall(r"<!-- (.*?) -->", svg))


def test_russian_labels_are_drawn_in_cyrillic():
    with translation.override("ru"):
        svg = chart_image("nationality", replace(tables()["crossings.by_nationality"], rows=()), "svg").decode()
        expected = translation.gettext("No data for this period")
    assert expected in set(re.findall(r"<!-- (.*?) -->", svg))


def test_a_table_without_the_charts_columns_is_refused_clearly():
    wrong = replace(tables()["crossings.by_nationality"], columns=("country", "in", "out"))
    with pytest.raises(ValueError, match="needs"):
        chart_image("nationality", wrong, "png")
    with pytest.raises(ValueError, match="png, svg"):
        chart_image("flows", tables()["crossings.by_month_checkpoint"], "gif")
