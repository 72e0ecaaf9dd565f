"""Global search across every vCenter, from an index built once per collection.

    index = SearchIndex.from_tables(vms=..., hosts=..., datastores=..., clusters=...,
                                    networks=...)
    index.search("10.20.0.0/16 power:on tag:Env:Prod")

A query is free text and ``field:value`` filters, combined: every part must
match.  Free text finds names (exact, substring, ``*``/``?`` wildcards),
guest host names, IP addresses (exact, CIDR, dotted prefix), MACs, UUIDs and
managed object ids (``index.py``).  Filters (``query.py``, ``FIELDS``):

    tag:Backup:Gold  tag:Gold      a tag, with or without its category
    attr:Owner=finance  attr:Owner a custom attribute value, or having it
    power:off                      on, off, suspended, standby
    os:windows*                    guest OS (configured, reported) or guest id
    host:esx-01*  cluster:Prod*    a VM's host or cluster, or the object itself
    vcenter:dr  kind:vm            the vCenter, the kind of object
    net:VLAN-120  ds:SAN-01        a VM's networks and datastores, or the object

Values are case-insensitive and whole; ``*`` and ``?`` are wildcards; double
quotes keep spaces.  An unknown field is a ``ConfigError`` naming the known
ones.
"""

from .index import RESULT, SearchIndex
from .query import FIELDS, Filter, Query, describe_fields, parse

__all__ = ["FIELDS", "RESULT", "Filter", "Query", "SearchIndex", "describe_fields", "parse"]
