"""vCompanion: one view of many vCenter Servers, as pandas DataFrames.

>>> from vcompanion import Companion
>>> vc = Companion.from_config("config.json")
>>> vc.vms().head()
"""

import logging as _logging

# A library adds no handlers of its own: without a NullHandler, Python's
# last-resort handler would print warnings to stderr in notebooks.
_logging.getLogger("vcompanion").addHandler(_logging.NullHandler())

from .companion import Companion
from .config import Config, VCenterConfig, load_config
from .errors import (AuthenticationError, CollectionError, ConfigError, ConnectError,
                     CredentialsError, HistoryError, NoPermissionError, NotFoundError,
                     NotifyError, StoreBusyError, TLSError, VCenterError, VCompanionError)
from .objects import ObjectView
from .reports.framebook import write_workbook
from .sources import Source
from .version import __version__
from .search import SearchIndex
from .tables import TABLES

__all__ = [
    "AuthenticationError",
    "CollectionError",
    "Companion",
    "Config",
    "ConfigError",
    "ConnectError",
    "CredentialsError",
    "HistoryError",
    "NoPermissionError",
    "NotFoundError",
    "NotifyError",
    "ObjectView",
    "SearchIndex",
    "Source",
    "StoreBusyError",
    "TABLES",
    "TLSError",
    "VCenterConfig",
    "VCenterError",
    "VCompanionError",
    "__version__",
    "load_config",
    "write_workbook",
]
