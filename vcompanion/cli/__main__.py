"""``python -m vcompanion.cli`` runs the CLI (as ``python -m vcompanion`` does)."""

import sys

from . import main

sys.exit(main())
