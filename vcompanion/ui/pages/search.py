"""/search: one box, results across every vCenter as you type.

Names and wildcards (``web-*``), IPs, CIDRs (``10.1.0.0/16``), IP prefixes
(``10.1.2.``), guest host names, MACs and UUIDs -- the forms of
``SearchIndex`` -- and field filters combined with them (``tag:Env:Prod
power:on 10.20.0.0/16``; the fields and what they match are listed under the
box, from ``search.describe_fields``).  An unknown field shows its message
in the page.  ``/search?q=10.1.2.3`` runs that search on load, and the
address bar follows the box, so a search can be shared as a link.  Every
result's name links to its object page.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

import panel as pn

from ...errors import ConfigError
from ...search import RESULT, describe_fields
from ..fragments import empty, html_pane
from ..labels import display_frame
from ..links import LINK_CSS, link_formatter
from .base import TABLE_CSS, Page, column_setup, table

EXAMPLES = ("web-*", "10.0.0.0/8", "192.168.", "esx*", "power:off os:windows*",
            "tag:Backup:Gold", "kind:cluster")
LIMIT = 500
FIELDS_CSS = """
details { margin: 8px 4px 0 4px; font-size: 13px; }
summary { cursor: pointer; color: var(--vc-muted); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px;
            margin: 8px 0 0 0; }
dl.fields dt { font-family: ui-monospace, monospace; color: var(--vc-accent); }
dl.fields dd { margin: 0; color: var(--vc-text); }
"""


class SearchPage(Page):
    slug = "search"
    title = "Search"
    icon = "search"
    query = {"q": None}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.box = pn.widgets.TextInput(
            value=ctx.args.get("q", ""), placeholder="Name, IP, CIDR, host name, MAC, "
            "UUID… e.g. web-*, 10.1.0.0/16", sizing_mode="stretch_width",
            margin=(4, 4, 8, 4), styles={"font-size": "16px"})
        self.summary = html_pane("")
        self.results = table(page_size=50, visible=False, header_filters=False,
                             stylesheets=[TABLE_CSS, LINK_CSS])
        self.help = html_pane(self._help())
        self.fields = html_pane(self._fields(open_=True), stylesheets=[FIELDS_CSS])
        self.fields_open = True
        self.box.param.watch(self._search, "value_input")
        self.box.param.watch(self._search, "value")
        self.layout.objects = [self.box, self.summary, self.results, self.help,
                               self.fields]
        self.frames = None

    def update(self, frames) -> None:
        self.frames = frames
        self._search()

    def _help(self) -> str:
        examples = " ".join(f'<a href="/search?q={escape(quote(e))}"><code>{escape(e)}'
                            f'</code></a>' for e in EXAMPLES)
        return (f'<div class="status-line" style="margin-top:6px">Searches VMs, hosts, '
                f'datastores, clusters and networks of every vCenter: names (with * and ? '
                f'wildcards), IPv4/IPv6 addresses, CIDR ranges and prefixes, guest host '
                f'names, MAC addresses, UUIDs and MoIDs, narrowed by the fields below '
                f'(everything given must match). Try {examples}</div>')

    @staticmethod
    def _fields(open_: bool) -> str:
        rows = []
        for line in describe_fields().splitlines():
            name, _, text = line.partition(":")
            rows.append(f"<dt>{escape(name)}:</dt><dd>{escape(text.strip())}</dd>")
        return (f'<details data-fields{" open" if open_ else ""}><summary>Search fields: '
                f'<code>field:value</code>, combined with each other and with the text '
                f'(values ignore case; * and ? are wildcards; "double quotes" keep '
                f'spaces)</summary><dl class="fields">{"".join(rows)}</dl></details>')

    def _search(self, *events) -> None:
        if self.frames is None:
            return
        query = (self.box.value_input if self.box.value_input is not None
                 else self.box.value or "").strip()
        if events and pn.state.location is not None:
            pn.state.location.update_query(q=query)
        if not query:
            self.results.visible = False
            self.summary.object = ""
            self.help.visible = True
            self._open_fields(True)
            return
        try:
            found = self.frames.search(query, limit=LIMIT + 1)
        except ConfigError as exc:  # an unknown or empty field: say which are known
            self.results.visible = False
            self.summary.object = (f'<div class="banner warning" data-search-error>'
                                   f'{escape(str(exc))}</div>')
            self.help.visible = False
            self._open_fields(True)
            return
        more = len(found) > LIMIT
        found = found.head(LIMIT)
        if found.empty:
            self.results.visible = False
            self.summary.object = empty(f"Nothing matches “{query}”",
                                        "Check the spelling, or try a wildcard (web-*) "
                                        "or an IP prefix (10.1.2.).")
            self.help.visible = True
            self._open_fields(True)
            return
        frame = display_frame(found, RESULT, "search")
        setup = column_setup(frame, RESULT)
        vcenters = found["vcenter"].nunique()
        self.summary.object = (
            f'<div class="status-line" data-results="{len(found)}">{len(found):,}'
            f'{"+" if more else ""} result{"s" if len(found) != 1 else ""} in '
            f'{vcenters} vCenter{"s" if vcenters != 1 else ""} for '
            f'“{escape(query)}”</div>')
        setup["formatters"]["name"] = link_formatter("moid")
        self.results.param.update(value=frame, visible=True,
                                  hidden_columns=["moid"], **setup)
        self.help.visible = False
        self._open_fields(False)

    def _open_fields(self, open_: bool) -> None:
        """Unfold the field list when it helps (no results), fold it over results;
        only when that changes, so a list the user opened stays open as they type."""
        if open_ != self.fields_open:
            self.fields_open = open_
            self.fields.object = self._fields(open_)
