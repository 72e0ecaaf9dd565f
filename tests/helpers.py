"""Small helpers shared by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args, env=None, cwd=None, timeout=180, stdin=None):
    """Run the real console script; returns the CompletedProcess."""
    exe = Path(sys.executable).with_name("vcompanion")
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("VCOMPANION_")}
    full_env.update(env or {})
    return subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout, input=stdin)


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
