import datetime as dt

from django import template

from tracker.forms_dates import DayInput

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """This page's address with `page` set to `number`, every other parameter kept."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"


@register.simple_tag
def day_input(name: str, id: str, value: dt.date | None, described_by: str = ""):
    """A filter's date box, the same as every form's (tracker.forms_dates.DayInput: text in
    YYYY-MM-DD, not the browser's locale-ordered date picker)."""
    attrs = {"id": id}
    if described_by:
        attrs["aria-describedby"] = described_by
    return DayInput(attrs).render(name, value, attrs)
