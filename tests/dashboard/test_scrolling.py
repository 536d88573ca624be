"""Wide tables in focusable, named scroll regions (dashboard.templatetags.scrolling)."""

from dashboard.templatetags.scrolling import scrolling_tables


def test_each_table_is_wrapped_in_a_region_named_by_the_heading_above_it():
    html = (
        '<h2 id="inputs">Inputs</h2><p>Text</p><table>\n<tr><td>1</td></tr>\n</table>'
        '<h3 id="more">More</h3><table><tr><td>2</td></tr></table>'
        "<table><tr><td>3</td></tr></table>"
    )
    wrapped = scrolling_tables(html)
    regions = wrapped.count('<div class="scroll" role="region" tabindex="0"')
    assert regions == 3
    assert 'aria-labelledby="inputs"><table>\n<tr><td>1</td></tr>\n</table></div>' in wrapped
    assert wrapped.count('aria-labelledby="more"><table>') == 2
    assert '<h2 id="inputs">Inputs</h2><p>Text</p>' in wrapped  # the rest untouched


def test_a_table_before_any_heading_gets_a_plain_name():
    assert scrolling_tables("<table><tr><td>1</td></tr></table>") == (
        '<div class="scroll" role="region" tabindex="0" aria-label="Table">'
        "<table><tr><td>1</td></tr></table></div>"
    )
