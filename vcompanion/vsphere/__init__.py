"""Talking to vCenter: the lowest layer that knows vSphere's API.

Modules::

    connection.py   one logged-in API session (TLS, login, keep-alive, re-login)
    collection.py   the one bulk read (ContainerView + RetrievePropertiesEx), events
    inventory.py    what a read returns: Inventory (raw properties), Stats, About
    live.py         an inventory kept current with WaitForUpdatesEx
    fast/           the fast SOAP answer decoder and its worker processes

Nothing here knows tables, DataFrames or any layer above (see
docs/architecture.md); ``sources.VCenterSource`` is the only user outside
this package besides the table builders' ``tables.collect``.
"""
