"""Links to object pages (``/object?vcenter=NAME&moid=ID``), escaped once, here.

Every name of a VM, host, datastore, cluster or network on a page is a real
``<a href>``: bookmarkable, opens in a new tab with a middle click.  The URL
is built with ``urlencode`` and the text escaped, so a name like
``<img src=x onerror=...>`` shows as text.

- ``object_url(vcenter, moid)`` and ``object_link(text, vcenter, moid)``:
  for HTML made in Python (KPI lists, the facts of an object page);
- ``link_formatter(moid="moid")``: a Tabulator cell formatter that links
  the cell's text to the object named by the row's ``vcenter`` and ``moid``
  columns (which the table must hold, hidden or not); rows without a moid
  show the text alone.  Both are escaped in the browser (``<%- %>``,
  ``encodeURIComponent``);
- ``history_formatter(kind)``: a row's links to its changes (and a
  datastore's capacity trend), the Hosts and Datastores pages' History column.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from bokeh.models.widgets.tables import HTMLTemplateFormatter

PATH = "/object"

# Object links in the accent colour of both themes (tables and HTML panes
# are shadow roots: each loads this).
LINK_CSS = """
a.obj { color: var(--vc-accent); text-decoration: none; }
a.obj:hover { text-decoration: underline; }
"""


def object_url(vcenter: str, moid: str) -> str:
    """The page of one object: ``/object?vcenter=prod&moid=vm-42`` (URL-encoded)."""
    return f"{PATH}?{urlencode({'vcenter': str(vcenter), 'moid': str(moid)})}"


def object_link(text, vcenter, moid, title: str = "") -> str:
    """``<a href>`` to the object's page around ``text`` (escaped); the text
    alone when the object is not known (no moid)."""
    label = escape("" if text is None else str(text))
    if not vcenter or not moid or moid != moid:  # (NaN is not equal to itself)
        return label
    tip = f' title="{escape(title)}"' if title else ""
    return (f'<a class="obj" href="{escape(object_url(vcenter, moid))}"{tip} '
            f'data-object="{escape(str(moid))}">{label}</a>')


def link_formatter(moid: str = "moid", vcenter: str = "vcenter") -> HTMLTemplateFormatter:
    """A Tabulator cell formatter: the value as a link to the page of the object
    whose id is in the row's ``moid`` column (and vCenter in ``vcenter``).

    Panel renders a Bokeh formatter as HTML and keeps its first element, so
    the template always makes exactly one (an ``<a>`` or a ``<span>``).
    """
    for name in (moid, vcenter):
        if not name.isidentifier():
            raise ValueError(f"column name {name!r} cannot be used in a template")
    template = (
        f'<% if ({moid} && {vcenter}) {{ %><a class="obj" href="{PATH}?vcenter='
        f'<%- encodeURIComponent({vcenter}) %>&amp;moid=<%- encodeURIComponent({moid}) %>" '
        f'data-object="<%- {moid} %>"><%- value %></a><% }} else {{ %>'
        f'<span><%- value %></span><% }} %>')
    return HTMLTemplateFormatter(template=template)


def history_formatter(kind: str, trend: bool = False, since: str = "30d",
                      moid: str = "moid", vcenter: str = "vcenter",
                      name: str = "name") -> HTMLTemplateFormatter:
    """A Tabulator cell formatter linking a row's object to its changes
    (``/changes?vcenter=&kind=&moid=&since=``) and, with ``trend``, to its
    capacity trend (``/capacity?kind=&vcenter=&name=``); escaped in the browser."""
    for column in (moid, vcenter, name):
        if not column.isidentifier():
            raise ValueError(f"column name {column!r} cannot be used in a template")
    if kind not in ("vm", "host", "datastore", "cluster", "network") or \
            not since.isalnum():
        raise ValueError(f"not a history link: {kind!r}, {since!r}")
    changes = (f'<a class="obj" href="/changes?vcenter=<%- encodeURIComponent({vcenter}) %>'
               f'&amp;kind={kind}&amp;moid=<%- encodeURIComponent({moid}) %>&amp;since='
               f'{since}" data-history="<%- {moid} %>">Changes</a>')
    # (the kind in the link: the page opens on it, rather than switching to it)
    kind_arg = f"kind={kind}&amp;" if kind in ("datastore", "cluster") else ""
    more = (f' · <a class="obj" href="/capacity?{kind_arg}vcenter=<%- encodeURIComponent('
            f'{vcenter}) %>&amp;name=<%- encodeURIComponent({name}) %>" '
            f'data-trend="<%- {moid} %>">Trend</a>' if trend else "")
    template = (f'<% if ({moid} && {vcenter}) {{ %><span>{changes}{more}</span>'
                f'<% }} else {{ %><span></span><% }} %>')
    return HTMLTemplateFormatter(template=template)


__all__ = ["LINK_CSS", "PATH", "history_formatter", "link_formatter", "object_link",
           "object_url"]
