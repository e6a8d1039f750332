"""`searchlib serve`: the web application over an index, served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
import threading
import time
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from searchlib.cli.app import cli
from searchlib.cli.common import (
    DEFAULT_INDEX,
    SAMPLE_INDEX,
    CliError,
    index_folder,
    index_option,
    sample_by_default,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette


def is_local(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, so that a port in use is a one-line error
    before the server starts (and port 0 picks a free one)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise CliError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port or --host"
        ) from None
    return sock


def _open_when_started(server: object, url: str) -> None:
    """Open `url` in a browser once uvicorn says it is serving."""

    def wait() -> None:
        for _ in range(100):
            if getattr(server, "started", False):
                webbrowser.open(url)
                return
            time.sleep(0.05)

    threading.Thread(target=wait, daemon=True).start()


@cli.command()
@index_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but this machine lets others read the index.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="0: any free port.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the search page in a browser.")
@click.pass_context
def serve(
    ctx: click.Context,
    index_dir: Path | None,
    sample: bool,
    host: str,
    port: int,
    open_browser: bool,
) -> None:
    """Search the index in a browser: a local web page and a JSON API under /api/.

    Read-only; Ctrl-C (or SIGTERM) stops it. With no index named and no ./index, it serves the
    sample's (./searchlib-sample) when that exists.
    """
    from searchlib.web import create_app
    from searchlib.web.app import LOCAL_HOSTS

    # Stopped before or while serving: either way nothing is left to do.
    with _sigterm_as_ctrl_c(), contextlib.suppress(KeyboardInterrupt):
        if not sample and sample_by_default(ctx, index_dir) and Path(SAMPLE_INDEX).is_dir():
            sample = True
            click.echo(
                f"no index at ./{DEFAULT_INDEX}: serving the sample's, ./{SAMPLE_INDEX}", err=True
            )
        target = index_folder(ctx, index_dir, sample)
        # Served on all interfaces, it answers any name it is reached by; served on one
        # address, that address and the local names (the Host check stops DNS rebinding).
        hosts = ["*"] if host in ("0.0.0.0", "::", "") else [*LOCAL_HOSTS, host]
        app = create_app(target, hosts)  # a missing or unreadable index ends here, in one line
        try:
            _run(app, host, port, open_browser, str(target))
        finally:
            app.state.archive.close()  # closed by the app's shutdown, unless it never started
    click.echo("stopped", err=True)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """A service manager stops a server with SIGTERM: it stops as Ctrl-C does (uvicorn
    finishes the requests under way, then hands the signal back to this handler)."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _ForcedStop(logging.Filter):
    """Drops the tracebacks of requests cancelled by a second Ctrl-C: that one means
    "stop now", and uvicorn cancels what is under way instead of waiting for it."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, asyncio.CancelledError):
            return False
        # Starlette reports a cancelled lifespan as a message: the traceback's text.
        return not str(record.msg).rstrip().endswith("CancelledError")


def _run(app: Starlette, host: str, port: int, open_browser: bool, target: str) -> None:
    """Serve `app` on `host`:`port` until Ctrl-C."""
    import uvicorn

    if not is_local(host):
        click.echo(
            f"warning: serving on {host}: anyone who can reach this machine can read the "
            "index (there is no login)",
            err=True,
        )
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    bare = host.strip("[]")
    shown = f"[{bare}]" if ":" in bare else bare
    url = f"http://{shown}:{bound}/"
    click.echo(f"serving {target} at {url} (Ctrl-C to stop)", err=True)
    verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO
    config = uvicorn.Config(
        app, log_level="info" if verbose else "warning", access_log=verbose, lifespan="on"
    )
    server = uvicorn.Server(config)
    quiet = _ForcedStop()
    for name in ("uvicorn.error", "uvicorn"):
        logging.getLogger(name).addFilter(quiet)
    if open_browser:
        _open_when_started(server, url)
    try:
        server.run(sockets=[sock])  # raises KeyboardInterrupt again once it has stopped
    finally:
        sock.close()
