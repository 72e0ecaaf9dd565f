"""CLI: ``vcompanion [--config PATH] serve [--address A] [--port P] [--demo]``.

Serves the web dashboards (``vcompanion/ui``) behind the vSphere SSO login.
``--demo`` serves the built-in synthetic demo (login demo / demo) and needs
no config file and no vCenter.
"""

from __future__ import annotations

import logging
import os
import platform
import sys

from .common import EXIT_OK, EXIT_USAGE, Fail, console_logging, open_config


def register(subparsers) -> None:
    serve = subparsers.add_parser(
        "serve", help="serve the web dashboards (vSphere SSO login)",
        description="Serve the dashboards: /overview, /inventory, /search, /problems, "
                    "/hosts, /datastores, /snapshots, /alerts, /reports. Users sign in "
                    "with their vSphere SSO account.")
    serve.add_argument("--address", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; 0.0.0.0 for every "
                            "interface, which needs dashboard.tls_certfile and "
                            "tls_keyfile, or dashboard.behind_proxy)")
    serve.add_argument("--port", type=int, default=5006, help="TCP port (default 5006)")
    serve.add_argument("--demo", action="store_true",
                       help="serve the synthetic demo data (login demo / demo); no "
                            "config file or vCenter needed")
    serve.add_argument("--allow-origin", action="append", metavar="HOST[:PORT]",
                       default=[], help="another host name browsers use to reach the "
                                        "server, e.g. behind a reverse proxy "
                                        "(repeatable)")
    serve.set_defaults(handler=cmd_serve)


def _on_console(record: logging.LogRecord) -> bool:
    """Logins and dashboard events, and errors; the log file has everything."""
    return (record.name.startswith(("vcompanion.login", "vcompanion.ui"))
            or record.levelno >= logging.ERROR)


def _console_logging() -> None:
    """Show logins and refreshes on the console too."""
    console_logging(_on_console, "%H:%M:%S")
    logger = logging.getLogger("vcompanion")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    # Every login attempt is logged, whatever the configured level.
    logging.getLogger("vcompanion.login").setLevel(logging.INFO)
    logging.getLogger("vcompanion.ui").setLevel(logging.INFO)


def _use_c_allocator() -> None:
    """On Linux (glibc): run the server on the C allocator, PYTHONMALLOC=malloc.

    After a burst of page requests, Python's own small-object allocator keeps
    most of the memory the burst took: a 1 MiB arena stays as long as one
    object in it lives, and a few long-lived ones are scattered over many.
    With the C allocator the server gives that memory back once the pages'
    sessions end (ui/pagesessions.py calls malloc_trim); BENCHMARKS.md,
    "Dashboard sessions", has the figures.  Re-executes the same command once,
    before anything is loaded; a PYTHONMALLOC set by the caller is kept.
    """
    if (sys.platform != "linux" or "PYTHONMALLOC" in os.environ
            or "serve" not in sys.argv[1:] or platform.libc_ver()[0] != "glibc"):
        return
    env = dict(os.environ, PYTHONMALLOC="malloc")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(sys.executable, [sys.executable, "-m", "vcompanion", *sys.argv[1:]], env)
    except OSError:  # pragma: no cover - then serve on Python's allocator
        pass


def cmd_serve(args) -> int:
    if not 0 < args.port < 65536:
        raise Fail(f"--port must be between 1 and 65535, not {args.port}",
                   EXIT_USAGE)
    _use_c_allocator()
    if args.demo:
        config = _demo_config(args)
    else:
        config = open_config(args)
    from ..ui.app import listen_problem, serve, tls_files
    # Before anything starts: no SSO password in clear text beyond loopback.
    problem = listen_problem(config, args.address, args.demo)
    if problem:
        raise Fail(problem, EXIT_USAGE)
    scheme = "https" if tls_files(config) else "http"
    _console_logging()
    companion = None
    if args.demo:
        from ..companion import Companion
        companion = Companion.demo()
        if config is None:
            config = companion.config
    host = 'localhost' if args.address in ('127.0.0.1', '::1') else args.address
    where = f"{scheme}://{host}:{args.port}/"
    how = "demo: sign in with demo / demo" if args.demo else \
        "sign in with your vSphere account"
    print(f"vcompanion: serving the dashboards on {where} ({how}); Ctrl+C stops",
          file=sys.stderr, flush=True)
    try:
        serve(config, address=args.address, port=args.port, demo=args.demo,
              allow_origins=args.allow_origin, companion=companion)
    except OSError as exc:
        raise Fail(f"cannot listen on {args.address}:{args.port}: "
                   f"{exc.strerror or exc}", EXIT_USAGE) from None
    return EXIT_OK


def _demo_config(args):
    """The demo uses --config when given (session, dashboard settings), else none."""
    if args.config:
        return open_config(args)
    return None
