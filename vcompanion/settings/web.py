"""Settings of the dashboards: logins and sessions, the web server."""

from __future__ import annotations

from .fields import Field, Section


SESSION = Section(
    "session",
    "Dashboard logins (vSphere SSO through the configured vCenters).",
    fields=(
        Field("idle_timeout_minutes", (int, float), "Sign a user out after this long "
              "without a request or interaction (fractions allowed; 0 turns the idle "
              "timeout off, e.g. for a wall display).", default=60, minimum=0,
              maximum=43200),
        Field("cookie_days", (int, float), "Longest life of a login, idle or not: "
              "the signed login cookie expires after this many days.", default=7,
              minimum=0.001, maximum=365),
        Field("lockout_failures", int, "Failed sign-ins (wrong user name or password) "
              "that lock that user name out for lockout_minutes: its sign-ins are "
              "answered at once (HTTP 429) and never reach a vCenter, so guessing "
              "through the dashboards cannot keep the account locked in vCenter SSO "
              "(whose default policy locks after 5 failures in 3 minutes: a lower value "
              "here never reaches it). Counted in the server's memory.", default=5,
              minimum=1, maximum=1000),
        Field("lockout_address_failures", int, "Failed sign-ins, of any user names, "
              "that lock one client address out the same way (password spraying). "
              "Higher than lockout_failures: several users may share an address "
              "(NAT; behind a proxy set dashboard.behind_proxy so that each user's own "
              "address counts).", default=20, minimum=1, maximum=100_000),
        Field("lockout_window_minutes", (int, float), "The failures count within this "
              "many minutes.", default=15, minimum=0.1, maximum=1440),
        Field("lockout_minutes", (int, float), "How long a user name or client address "
              "stays locked out.", default=15, minimum=0.1, maximum=1440),
    ),
)


DASHBOARD = Section(
    "dashboard",
    "The web dashboards (`vcompanion serve`).",
    fields=(
        Field("refresh_seconds", (int, float), "How often the data is read again "
              "from every vCenter and the open pages update (no page reload).",
              default=60, minimum=5, maximum=86400),
        Field("theme", str, "Theme a browser sees first; users switch with the "
              "toggle in the header.", default="dark", choices=("dark", "light")),
        Field("title", str, "Title in the header and the browser tab.",
              default="vCompanion"),
        Field("tls_certfile", (str, type(None)), "Serve HTTPS with this certificate "
              "(PEM, the server's certificate then any intermediates). Relative to the "
              "config file. Without TLS (or behind_proxy) `vcompanion serve` listens "
              "on loopback only.", default=None, is_path=True),
        Field("tls_keyfile", (str, type(None)), "The certificate's private key (PEM, "
              "not encrypted; readable by the service account only). Relative to the "
              "config file.", default=None, is_path=True),
        Field("share_all_vcenters", bool, "With a service account: show every "
              "vCenter to anyone whom at least one accepts. Off (the default), each "
              "user sees only the vCenters that accepted their sign-in with System.View "
              "-- pages, counts, search, problems, downloads and workbooks -- and how "
              "many others there are, nothing else: unlinked vCenters may belong to "
              "different teams or customers. Turn on only when everyone who can sign in "
              "anywhere may read everything.", default=False),
        Field("behind_proxy", bool, "A reverse proxy that terminates TLS is in front: "
              "serve plain HTTP to it, trust its X-Forwarded-For (the client's "
              "address, in logs and the sign-in throttle) and X-Forwarded-Proto (cookies "
              "marked Secure). Let only the proxy reach the port (listen on 127.0.0.1).",
              default=False),
    ),
)
