"""The frame around every page: header, navigation, banners, auto-refresh, idle timeout.

``render(slug)`` builds one browser session's page frame: it finds the login
and its data, picks the theme and lays the frame out in a FastListTemplate.
Nothing more happens until the browser connects the page's websocket
(``pn.state.onload``; see pagesessions.py: a page fetched by a script that
never connects costs no more).  Then the login is checked again (ended, or
idle since the page was asked for: under ``panel serve`` nothing else checks
it at that moment), the page is built, and one periodic callback

- redraws the page when its data has a new frame set (no reload),
- shows a banner while a vCenter is down (the rest keeps working),
- sends an idle tab to the login page when the login has timed out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape

import panel as pn

from .. import __version__
from . import fragments
from . import runtime as runtime_module
from .pagesessions import PAGE_SESSIONS
from .beacon import Beacon
from .auth import login_from_cookie
from .sessions import COOKIE
from .pagedata import DashboardData, FrameSet
from .pages import PAGES, page_class
from .theme import THEME_COOKIE, OfflineFast, Palette, page_css, palette

log = logging.getLogger(__name__)

# Navigation icons by name (a page's ``icon``).
ICONS = {
    "grid": '<rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="3" width="7" '
            'height="7" rx="1.5"/><rect x="3" y="14" width="7" height="7" rx="1.5"/>'
            '<rect x="14" y="14" width="7" height="7" rx="1.5"/>',
    "table": '<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M3 10h18M3 15h18M9 '
             '10v10"/>',
    "search": '<circle cx="11" cy="11" r="6.5"/><path d="M16 16l5 5"/>',
    "alert": '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>',
    "server": '<rect x="3" y="4" width="18" height="7" rx="1.5"/><rect x="3" y="13" '
              'width="18" height="7" rx="1.5"/><path d="M7 7.5h.5M7 16.5h.5"/>',
    "database": '<ellipse cx="12" cy="5.5" rx="8" ry="3"/><path d="M4 5.5v13c0 1.7 3.6 3 8 '
                '3s8-1.3 8-3v-13M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>',
    "camera": '<path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>',
    "bell": '<path d="M6 17V11a6 6 0 0112 0v6l2 2H4z"/><path d="M10 21h4"/>',
    "file": '<path d="M6 3h8l5 5v13H6z"/><path d="M14 3v5h5M9 13h7M9 17h7"/>',
    "history": '<path d="M3.5 12a8.5 8.5 0 1 0 2.5-6"/><path d="M3 4v4h4"/>'
               '<path d="M12 7.5V12l3 2"/>',
    "trend": '<path d="M3 20h18"/><path d="M4 16l5-5 4 3 7-7"/><path d="M15 7h5v5"/>',
    "activity": '<path d="M3 12h4l3-7 4 14 3-7h4"/>',
}


def icon(name: str, size: int = 18) -> str:
    return (f'<svg width="{size}" height="{size}" viewBox="0 0 24 24" fill="none" '
            f'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" '
            f'stroke-linejoin="round" aria-hidden="true">{ICONS[name]}</svg>')


NAV_CSS = """
:host { width: 100%; }
nav { display: flex; flex-direction: column; gap: 2px; padding: 4px 0; }
nav a { display: flex; align-items: center; gap: 11px; padding: 9px 12px;
        border-radius: 8px; color: var(--vc-text); text-decoration: none;
        font-size: 14.5px; }
nav a:hover { background: var(--vc-surface-alt); }
nav a.active { background: color-mix(in srgb, var(--vc-accent) 18%, transparent);
               color: var(--vc-accent); font-weight: 600; }
nav a .count { margin-left: auto; font-size: 11.5px; font-weight: 600;
               padding: 1px 7px; border-radius: 999px; color: #fff; }
.foot { margin-top: 14px; padding: 10px 12px; font-size: 12px; color: var(--vc-muted);
        border-top: 1px solid var(--vc-border); line-height: 1.6; }
"""

HEADER_CSS = """
:host { color: #fff; }
.who { display: flex; align-items: center; gap: 12px; font-size: 13px;
       white-space: nowrap; }
.who .state { opacity: .85; }
.who .user { font-weight: 600; overflow: hidden; text-overflow: ellipsis; max-width: 22ch; }
@media (max-width: 1000px) { .who .state { display: none; } }
@media (max-width: 700px) { .who .user { display: none; } }
"""


@dataclass
class Context:
    """What a page knows about its session."""

    runtime: runtime_module.Runtime
    login: object
    data: DashboardData
    palette: Palette
    args: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> str:
        return getattr(self.login, "user", "")


def _session_login():
    """This session's valid login (None: none, or it has ended)."""
    login, _ = login_from_cookie(pn.state.cookies.get(COOKIE))
    return login


def _args() -> dict[str, str]:
    out = {}
    for key, values in (pn.state.session_args or {}).items():
        if values:
            value = values[0]
            out[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) \
                else str(value)
    return out


def _theme(rt, args) -> str:
    """'dark' or 'light': ?theme= (the header toggle), else the cookie, else config."""
    wanted = args.get("theme") or pn.state.cookies.get(THEME_COOKIE) or rt.default_theme
    mode = "light" if wanted in ("light", "default") else "dark"
    if "theme" in (pn.state.session_args or {}):
        # Panel's templates only know 'dark' and 'default'.
        pn.state.session_args["theme"] = [b"dark" if mode == "dark" else b"default"]
    return mode


def render(slug: str):
    """The page ``slug`` for the current browser session (a Panel template)."""
    rt = runtime_module.current()
    args = _args()
    p = palette(_theme(rt, args))
    pn.config.theme = p.panel_theme
    login = _session_login()
    data = rt.data_for(login) if login is not None else None
    if login is None or data is None:
        # The login ended between the request check and now, or the page is served
        # without the vcompanion login (panel serve without --oauth-provider).
        return pn.Column(
            pn.pane.HTML("<p>Please sign in: <a href='/login'>/login</a> (served with "
                         "<code>panel serve</code>? add <code>--oauth-provider "
                         "vcompanion</code>).</p>"),
            Beacon(redirect="/login?notice=expired" if COOKIE in pn.state.cookies
                   else ""))
    ctx = Context(rt, login, data, p, args)
    return Shell(ctx, slug).template


class Shell:
    """One session's page frame and its refresh / idle loop."""

    def __init__(self, ctx: Context, slug: str):
        self.ctx, self.slug = ctx, slug
        rt, p = ctx.runtime, ctx.palette
        self.page = None
        self.drawn = ""  # "drawn" or "failed" once the page is made (data-page)
        self.seen_version = -1
        self.callback = None
        self.connected = False
        self.period = int(max(500, min(2000, (rt.idle_seconds or 6) * 1000 / 3)))
        # Only the frame until the page's websocket connects (_connected): its three
        # areas stay empty, so a page that never connects costs little.
        self.header = pn.Row(sizing_mode="stretch_width", margin=0)
        self.side = pn.Column(sizing_mode="stretch_width", margin=0)
        self.main = pn.Column(sizing_mode="stretch_width", margin=0)
        # No busy indicator: Panel keeps every template's in one process-wide list
        # and sets them all whenever any session's periodic callback runs, so
        # each session's tick changed every other open session (work that grew
        # with the square of the open pages, until the server did nothing else).
        self.template = pn.template.FastListTemplate(
            busy_indicator=None,
            title=rt.title, site="", theme=p.panel_theme, theme_toggle=True,
            design=OfflineFast, sidebar=[self.side], main=[self.main],
            header=[self.header],
            accent_base_color=p.accent, header_background=_header_bg(p),
            background_color=p.surface, sidebar_width=214, main_layout=None,
            main_max_width="1700px", corner_radius=8, font="system-ui, -apple-system, "
            "'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif", font_url="",
            favicon=None, meta_description="vCompanion: all your vCenters in one view")
        self.template.config.raw_css.append(page_css(p) + _TEMPLATE_CSS)
        self.document = pn.state.curdoc  # (None outside a server session)
        PAGE_SESSIONS.opened(self.document, ctx.login.id)
        pn.state.on_session_destroyed(self._destroyed)
        pn.state.onload(self._connected)

    def _build(self) -> None:
        """The page's header, navigation, banner, body and beacon."""
        rt, p = self.ctx.runtime, self.ctx.palette
        idle = rt.idle_seconds
        self.beacon = Beacon(theme=p.name,
                             throttle_ms=int(max(250, min(10_000, (idle or 40) * 250))),
                             height=0, width=0, margin=0, visible=True)
        self.beacon.param.watch(self._on_activity, "activity")
        self.nav = fragments.html_pane("", stylesheets=[NAV_CSS], margin=(0, 4))
        self.status = pn.pane.HTML("", stylesheets=[HEADER_CSS], margin=(0, 8),
                                   align="center")
        self.logout = pn.widgets.Button(name="Sign out", button_type="light",
                                        button_style="outline", align="center",
                                        width=78, height=32, margin=(0, 6, 0, 0),
                                        stylesheets=[":host { flex-shrink: 0; }"])
        self.logout.on_click(self._sign_out)
        self.banner = fragments.html_pane("", visible=False, margin=(0, 4, 6, 4))
        self.body = pn.Column(self._loading(), sizing_mode="stretch_width", margin=0)
        with pn.io.hold():
            self.header.objects = [pn.layout.HSpacer(), self.status, self.logout]
            self.side.objects = [self.nav]
            self.main.objects = [self.banner, self.body, self.beacon]

    # --- the session ------------------------------------------------------------

    def _connected(self) -> None:
        """The browser has the page: check the login again, build, refresh."""
        self.connected = True
        PAGE_SESSIONS.connect(self.document)
        self._build()
        login, reason = login_from_cookie(pn.state.cookies.get(COOKIE))
        if login is None or login is not self.ctx.login:
            notice = reason if reason in ("idle", "logout") else "expired"
            self._leave(f"/login?notice={notice}")
            return
        self._tick()
        if not self.ctx.login.ended:
            self.callback = pn.state.add_periodic_callback(self._tick, period=self.period)

    def _destroyed(self, session_context) -> None:
        """The session has ended: let go of the page (pagesessions tidies up).

        (Bokeh calls this once, and Panel's clean-up once more, without a context.)
        """
        document, self.document = self.document, None
        if document is None:
            return
        if self.callback is not None:
            self.callback.stop()
            self.callback = None
        self.page = None
        PAGE_SESSIONS.closed(document, self.connected)

    # --- the loop -----------------------------------------------------------------

    def _tick(self) -> None:
        ctx = self.ctx
        rt, login = ctx.runtime, ctx.login
        if not login.ended and rt.logins.expired(login):
            idle = rt.idle_seconds and rt.logins.idle_for(login) > rt.idle_seconds
            rt.logins.end(login.id, "idle timeout" if idle else "expired")
        if login.ended:
            self._leave(f"/login?notice={rt.logins.notice(login)}")
            return
        frames = ctx.data.latest
        self._update_status(frames)
        if frames.version == self.seen_version:
            return
        self.seen_version = frames.version
        self._update_chrome(frames)
        if not frames.loaded:
            return
        try:
            if self.page is None:
                self.page = page_class(self.slug)(ctx)
                self.page.update(frames)
                self.body.objects = [self.page]
            else:
                self.page.update(frames)
            self.drawn = "drawn"
        except Exception:  # noqa: BLE001 - one page's bug must not kill the session
            log.exception("page %s failed to render", self.slug)
            self.drawn = "failed"
            self.body.objects = [fragments.html_pane(fragments.empty(
                "This page could not be drawn",
                "The error is in the log file; the other pages still work."))]
        self._update_status(frames)

    def _leave(self, url: str) -> None:
        if self.callback is not None:
            self.callback.stop()
            self.callback = None
        self.beacon.redirect = url

    def _on_activity(self, event) -> None:
        login = self.ctx.login
        if not login.ended:
            self.ctx.runtime.logins.touch(login)

    def _sign_out(self, event) -> None:
        self.ctx.runtime.logins.end(self.ctx.login.id, "logout")
        self._leave("/logout")

    # --- chrome -------------------------------------------------------------------

    def _loading(self):
        n = len(self.ctx.data.vcenter_names)
        return pn.Column(
            pn.indicators.LoadingSpinner(value=True, size=36, align="center",
                                         color="primary"),
            fragments.html_pane(
                f'<div class="empty" data-loading="1"><h3>Reading {n or "the"} '
                f'vCenter Server{"s" if n != 1 else ""}…</h3><div>The inventory appears '
                f'here as soon as the first collection is done.</div></div>'),
            sizing_mode="stretch_width", margin=(40, 0))

    def _update_status(self, frames: FrameSet) -> None:
        if self.ctx.data.refreshing and frames.loaded:
            state = "Refreshing…"
        elif frames.refreshed_at is not None:
            state = (f"Updated {frames.refreshed_at:%H:%M:%S} UTC · every "
                     f"{self.ctx.runtime.refresh_seconds:g} s")
        else:
            state = "Collecting…"
        text = (f'<div class="who" data-page="{self.drawn}"><span class="state" '
                f'data-refreshed="{frames.version}">'
                f'{escape(state)}</span><span class="user" title="Signed in as '
                f'{escape(self.ctx.user)}">{escape(self.ctx.user)}</span></div>')
        if text != self.status.object:
            self.status.object = text

    def _update_chrome(self, frames: FrameSet) -> None:
        p = self.ctx.palette
        counts = frames.summary.get("problems", {})
        crit, warn = counts.get("critical", 0), counts.get("warning", 0)
        items = []
        for page in PAGES:
            if not page.in_nav:
                continue
            slug, badge = page.slug, ""
            if slug == "problems" and (crit or warn):
                color = p.critical if crit else p.warning
                badge = (f'<span class="count" style="background:{color}" title="'
                         f'{crit} critical, {warn} warning">{crit or warn}</span>')
            active = ' class="active" aria-current="page"' if slug == self.slug else ""
            items.append(f'<a href="/{slug}"{active} data-nav="{slug}">{icon(page.icon)}'
                         f'<span>{escape(page.title)}</span>{badge}</a>')
        status = frames.status
        ok = int((status["status"] == "ok").sum()) if len(status) else 0
        foot = (f'<div class="foot">{ok} of {len(status)} vCenter'
                f'{"s" if len(status) != 1 else ""} connected<br>'
                f'{"Demo data · " if self.ctx.runtime.mode == "demo" else ""}'
                f'vCompanion {escape(__version__)}</div>')
        self.nav.object = f'<nav>{"".join(items)}</nav>{foot}'
        banners = [fragments.down_banner(status)]
        if self.ctx.runtime.mode == "demo":
            banners.append(fragments.info_banner(
                "<b>Demo mode.</b> Every vCenter, VM and host here is synthetic.", "info"))
        for note in frames.notes:
            banners.append(fragments.info_banner(escape(note), "warning"))
        if self.ctx.data.error:
            banners.append(fragments.info_banner(
                f"<b>The last refresh failed</b> ({escape(self.ctx.data.error)}); "
                "showing the data read before.", "warning"))
        text = "".join(b for b in banners if b)
        self.banner.object = text
        self.banner.visible = bool(text)


def _header_bg(p: Palette) -> str:
    return "#111826" if p.name == "dark" else "#1d3a5f"


_TEMPLATE_CSS = """
#sidebar { background: var(--vc-surface); border-right: 1px solid var(--vc-border); }
#main { background: var(--vc-bg); }
#header .title { font-size: 1.35em !important; font-weight: 650 !important;
                 letter-spacing: .01em; white-space: nowrap; flex-shrink: 0; }
#header-items { min-width: 0; }
.tabulator-tooltip { background: var(--vc-surface-alt) !important;
                     color: var(--vc-text) !important; border: 1px solid var(--vc-border);
                     border-radius: 6px; padding: 6px 9px; font-size: 12.5px;
                     max-width: 360px; box-shadow: 0 4px 16px rgba(0,0,0,.35); }
@media (max-width: 700px) { #header .title { font-size: 1.1em !important; }
                            #header { padding: 10px 4px !important; }
                            #sidebar-button { margin: 0 6px !important; }
                            .pn-busy-container { display: none !important; } }
"""


__all__ = ["Context", "ICONS", "Shell", "icon", "render"]
