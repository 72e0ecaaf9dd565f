"""The web dashboards: Panel pages over a shared data store, behind vSphere SSO.

Modules::

    store.py      DataStore: the DataFrames of every vCenter, refreshed on a timer
    runtime.py    what a server process holds: config, logins, stores
    sessions.py   logins, idle timeout, the cookie secret
    auth.py       the login page / handler and the auth provider
    theme.py      dark and light palettes, CSS, the Bokeh theme
    labels.py     friendly words for vSphere enumerations (UI only)
    fragments.py  HTML pieces: KPI cards, badges, banners, bars
    charts.py     Bokeh charts updated in place
    beacon.py     the browser end of the idle timeout
    shell.py      the frame of every page: header, navigation, auto-refresh
    pages/        one module per page
    app.py        serve() for `vcompanion serve`; servable() for dashboards/*.py

Views never fetch: pages read ``store.snapshot``.
"""

# Import order matters: ``panel.auth`` loads the ``panel.auth`` entry points
# (our LoginHandler in .auth) when it is first imported.  Importing it here,
# before .auth, lets that happen while .auth is not yet half-imported.
import panel.auth  # noqa: F401,E402
