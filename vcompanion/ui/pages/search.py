"""/search: one box, results across every vCenter as you type.

Names and wildcards (``web-*``), IPs, CIDRs (``10.1.0.0/16``), IP prefixes
(``10.1.2.``), guest host names, MACs and UUIDs -- the forms of
``SearchIndex``.  ``/search?q=10.1.2.3`` runs that search on load, and the
address bar follows the box, so a search can be shared as a link.
"""

from __future__ import annotations

from html import escape

import panel as pn

from ...search import RESULT
from ..fragments import empty, html_pane
from ..labels import display_frame
from .base import Page, column_setup, table

EXAMPLES = ("web-*", "10.0.0.0/8", "192.168.", "esx*")
LIMIT = 500


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
        self.results = table(page_size=50, visible=False, header_filters=False)
        self.help = html_pane(self._help())
        self.box.param.watch(self._search, "value_input")
        self.box.param.watch(self._search, "value")
        self.layout.objects = [self.box, self.summary, self.results, self.help]
        self.frames = None

    def update(self, frames) -> None:
        self.frames = frames
        self._search()

    def _help(self) -> str:
        examples = " ".join(f'<a href="/search?q={escape(e)}"><code>{escape(e)}</code></a>'
                            for e in EXAMPLES)
        return (f'<div class="status-line" style="margin-top:6px">Searches VMs, hosts, '
                f'datastores, clusters and networks of every vCenter: names (with * and ? '
                f'wildcards), IPv4/IPv6 addresses, CIDR ranges and prefixes, guest host '
                f'names, MAC addresses, UUIDs and MoIDs. Try {examples}</div>')

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
            return
        found = self.frames.search(query, limit=LIMIT + 1)
        more = len(found) > LIMIT
        found = found.head(LIMIT)
        if found.empty:
            self.results.visible = False
            self.summary.object = empty(f"Nothing matches “{query}”",
                                        "Check the spelling, or try a wildcard (web-*) "
                                        "or an IP prefix (10.1.2.).")
            self.help.visible = True
            return
        frame = display_frame(found, RESULT, "search")
        setup = column_setup(frame, RESULT)
        vcenters = found["vcenter"].nunique()
        self.summary.object = (
            f'<div class="status-line" data-results="{len(found)}">{len(found):,}'
            f'{"+" if more else ""} result{"s" if len(found) != 1 else ""} in '
            f'{vcenters} vCenter{"s" if vcenters != 1 else ""} for '
            f'“{escape(query)}”</div>')
        self.results.param.update(value=frame, visible=True,
                                  hidden_columns=["moid"], **setup)
        self.help.visible = False
