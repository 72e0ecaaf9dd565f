"""The web dashboards: Panel pages over shared, refreshed data, behind vSphere SSO.

Modules::

    pagedata/       the pages' data: DashboardData (a Companion's tables,
                    refreshed on a timer), FrameSet (one collection's tables,
                    never changed once made), the overview's figures, the
                    alert history
    runtime.py      what a server process holds: config, logins, their data
                    (each login sees the vCenters that accepted it)
    sessions.py     logins, idle timeout, the cookie secret
    throttle.py     failed sign-ins per user name and address, lockouts
    security.py     headers on every response, cookie flags, CSRF tokens
    auth.py         the login page / handler and the auth provider
    pagesessions.py page sessions: counted, idle until connected, tidied up
    panel_compat.py every use of Panel's private API, with the tested versions
    theme.py        dark and light palettes, CSS, the Bokeh theme
    labels.py       friendly words for vSphere enumerations (UI only)
    fragments.py    HTML pieces: KPI cards, badges, banners, bars
    links.py        links to object pages (/object?vcenter=&moid=), escaped once
    objectparts.py  the object page's HTML: head, facts, chips, gone / not available
    charts.py       Bokeh charts updated in place
    beacon.py       the browser end of the idle timeout
    shell.py        the frame of every page: header, navigation, auto-refresh
    pages/          one module per page
    app.py          serve() for `vcompanion serve` (TLS, proxies, headers);
                    servable() for dashboards/*.py under `panel serve`

Views never fetch: a page is handed ``DashboardData.latest`` (a FrameSet) and
reads only that.
"""

# Import order matters: ``panel.auth`` loads the ``panel.auth`` entry points
# (our LoginHandler in .auth) when it is first imported.  Importing it here,
# before .auth, lets that happen while .auth is not yet half-imported.
import panel.auth  # noqa: F401,E402
