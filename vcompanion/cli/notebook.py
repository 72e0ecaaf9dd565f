"""CLI: ``vcompanion [--config PATH] notebook [--port P] [--no-browser] [--demo]``.

Starts JupyterLab on the ``notebooks`` folder of the installation.  The
notebooks read the configuration named by ``VCOMPANION_CONFIG`` and fall back
to the built-in demo without it; this command sets that variable the way every
other command finds its configuration: ``--config``, else an existing
``$VCOMPANION_CONFIG``, else ``./config.json`` when there is one.  ``--demo``
opens them on the demo whatever is configured.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ..config import DEFAULT_FILE, ENV_CONFIG
from .common import EXIT_USAGE, Fail

# The notebooks folder of the installation: vcompanion/cli/notebook.py -> notebooks/
NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


def register(subparsers) -> None:
    notebook = subparsers.add_parser(
        "notebook", help="open the analysis notebooks in JupyterLab",
        description="Start JupyterLab on the notebooks folder (inventory tour, "
                    "capacity, snapshot hygiene, IP audit). They use your "
                    "configuration, or the built-in demo when there is none.")
    notebook.add_argument("--port", type=int, default=None,
                          help="TCP port (default: JupyterLab's, 8888 or the next "
                               "free one)")
    notebook.add_argument("--no-browser", action="store_true",
                          help="do not open a browser (the URL is printed)")
    notebook.add_argument("--allow-root", action="store_true",
                          help="let JupyterLab run as root (e.g. in a container)")
    notebook.add_argument("--demo", action="store_true",
                          help="run the notebooks on the built-in demo data")
    notebook.add_argument("--notebook-dir", type=Path, default=None, metavar="PATH",
                          help=f"folder to open (default: {NOTEBOOK_DIR})")
    notebook.set_defaults(handler=cmd_notebook)


def notebook_command(args, environ=None) -> tuple[list[str], dict[str, str], str]:
    """The JupyterLab command line, its environment, and which data it will show."""
    folder = (args.notebook_dir or NOTEBOOK_DIR).expanduser()
    if not folder.is_dir():
        raise Fail(f"notebook folder not found: {folder} (use --notebook-dir)",
                   EXIT_USAGE)
    if args.port is not None and not 0 < args.port < 65536:
        raise Fail(f"--port must be between 1 and 65535, not {args.port}",
                   EXIT_USAGE)
    env = dict(os.environ if environ is None else environ)
    if args.demo:
        env.pop(ENV_CONFIG, None)
        source = "the built-in demo"
    else:
        config = args.config or env.get(ENV_CONFIG) or (
            DEFAULT_FILE if (Path.cwd() / DEFAULT_FILE).is_file() else None)
        if config:
            path = Path(config).expanduser().resolve()
            if not path.is_file():
                raise Fail(f"{path}: configuration file not found", EXIT_USAGE)
            env[ENV_CONFIG] = str(path)
            source = str(path)
        else:
            source = "the built-in demo (no configuration found)"
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={folder.resolve()}"]
    if args.port is not None:
        command.append(f"--port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
    if getattr(args, "allow_root", False):
        command.append("--allow-root")
    return command, env, source


def cmd_notebook(args) -> int:
    command, env, source = notebook_command(args)
    folder = command[3].split("=", 1)[1]
    print(f"vcompanion: starting JupyterLab on {folder}; the notebooks use {source}; "
          f"Ctrl+C stops", file=sys.stderr, flush=True)
    try:
        server = subprocess.Popen(command, env=env)
    except OSError as exc:
        raise Fail(f"cannot start JupyterLab: {exc.strerror or exc}",
                   EXIT_USAGE) from None
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return server.wait()
    finally:
        # Stopped by Ctrl+C or a service manager: JupyterLab stops with us.
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)
