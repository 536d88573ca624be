from django import template

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
