"""`searchlib index` and `optimize`: fill an index, merge its segments."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from searchlib.cli.app import cli
from searchlib.cli.common import (
    SAMPLE_DIR,
    SAMPLE_INDEX,
    index_folder,
    index_option,
    max_size_option,
    sample_by_default,
    workers_option,
)
from searchlib.output import terminal_text


class _StatusLine:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0
        self.start = time.monotonic()

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and progress.current):
            return
        self.last = now
        report = progress.report
        # Files read to their end: the one being read is not done, and a single large
        # file would otherwise show 100% from its first record to its last.
        finished = max(progress.files_done - (1 if progress.current else 0), 0)
        share = min(finished / max(progress.files_total, 1), 1.0)
        bar = "#" * int(share * 24) + "-" * (24 - int(share * 24))
        rate = progress.done / max(now - self.start, 1e-6)
        line = (
            f"\r[{bar}] {share:4.0%} {finished}/{progress.files_total} files · "
            f"{report.added} added · {report.updated} updated · {report.unchanged} unchanged · "
            f"{report.skipped_count} skipped · {rate:,.0f} docs/s"
        )
        click.echo(line[:200], nl=False, err=True)

    def close(self) -> None:
        if self.enabled:
            click.echo("\r" + " " * 200 + "\r", nl=False, err=True)


class _OneInterrupt:
    """While indexing, the first Ctrl-C stops the run and later ones are ignored: the
    run is tidying up and exiting already, and a second one would end it by the signal
    (not exit code 130) or with a traceback."""

    def __enter__(self) -> None:
        self.active = threading.current_thread() is threading.main_thread()
        if self.active:  # only the main thread may set a handler
            self.previous = signal.signal(signal.SIGINT, _interrupt_once)

    def __exit__(self, *exc: object) -> None:
        if self.active and signal.getsignal(signal.SIGINT) is _interrupt_once:  # no Ctrl-C
            # None: a handler set outside Python, which cannot be put back; Python's then.
            previous = self.previous
            if previous is None:
                previous = signal.default_int_handler
            signal.signal(signal.SIGINT, previous)


def _interrupt_once(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Start a fresh index, replacing the old one.")
@click.option("--prune", is_flag=True, help="Remove documents whose source file is gone.")
@workers_option("Processes that clean and write documents (default: one per core).")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another indexing run, which holds the index until it ends.",
)
@max_size_option()
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=None,
    help="Documents per commit [default: 10000, growing to the index's size].",
)
@click.option("--show-skipped", is_flag=True, help="List every skipped input with its reason.")
@click.pass_context
def index(
    ctx: click.Context,
    paths: tuple[Path, ...],
    index_dir: Path | None,
    sample: bool,
    rebuild: bool,
    prune: bool,
    workers: int | None,
    lock_timeout: float,
    max_mb: float,
    batch_size: int | None,
    show_skipped: bool,
) -> None:
    """Index files and folders of articles (.html, .txt, .jsonl/.json, also .gz).

    `searchlib index --sample` indexes the sample corpus that ships with searchlib into
    an index of its own (./searchlib-sample), which `searchlib search --sample` searches.
    So does `searchlib index` with no PATH when no index is named and ./index does not
    exist.
    """
    from searchlib.index import Index
    from searchlib.ingest.sources import check_paths

    if sample and paths:
        raise click.UsageError("give PATHs or --sample, not both")
    if not sample and not paths:
        if not sample_by_default(ctx, index_dir):
            # Never guess which files an existing or named index should take in.
            raise click.UsageError(
                "give the files or folders to index (`searchlib index ~/archive`), "
                "or --sample to index the sample corpus"
            )
        # A first run with nothing named: the sample, into its own folder, never ./index.
        sample = True
        click.echo(
            f"no PATH given: indexing the sample corpus into ./{SAMPLE_INDEX} "
            "(`searchlib index PATH` indexes your own files)",
            err=True,
        )
    target = index_folder(ctx, index_dir, sample)
    sources = [SAMPLE_DIR] if sample else list(paths)
    check_paths(sources)
    ix = None if rebuild else Index.open_or_create(target)
    status = _StatusLine()

    def waiting() -> None:
        click.echo(
            f"index at {target} is in use by another writer, which holds it until its run "
            f"ends; waiting up to {lock_timeout:g}s…",
            err=True,
        )

    options: dict[str, Any] = {
        "workers": workers,
        "lock_timeout": lock_timeout,
        "prune": prune,
        "max_bytes": int(max_mb * 1024 * 1024),
        "batch_size": batch_size,
        "progress": status,
        "on_wait": waiting,
    }
    start = time.monotonic()
    try:
        with _OneInterrupt():
            if ix is None:
                report = Index.rebuild(target, sources, **options)
            else:
                report = ix.add(sources, **options)
    finally:
        status.close()
        if ix is not None:
            ix.close()
    if show_skipped:
        for item in report.skipped:
            click.echo(terminal_text(f"skipped {item.source}: {item.reason}"), err=True)
        if report.skipped_count > len(report.skipped):
            click.echo(f"… and {report.skipped_count - len(report.skipped)} more", err=True)
    click.echo(f"{report.summary()} in {time.monotonic() - start:.1f}s → {target}")


@cli.command()
@index_option
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another writer to finish.",
)
@click.pass_context
def optimize(ctx: click.Context, index_dir: Path | None, sample: bool, lock_timeout: float) -> None:
    """Merge the index's segments into one, for faster searches."""
    from searchlib.index import Index

    target = index_folder(ctx, index_dir, sample)

    def waiting() -> None:
        click.echo(
            f"index at {target} is in use by another writer; waiting up to {lock_timeout:g}s…",
            err=True,
        )

    start = time.monotonic()
    with Index.open(target) as ix:
        merged = ix.optimize(lock_timeout=lock_timeout, on_wait=waiting)
        empty = not merged and len(ix) == 0
    if empty:
        click.echo("nothing to merge: the index is empty")
    elif not merged:
        click.echo("nothing to merge: the index is one segment")
    elif merged == 1:
        elapsed = time.monotonic() - start
        click.echo(f"rewrote the one segment without its deleted documents in {elapsed:.1f}s")
    else:
        click.echo(f"merged {merged} segments into 1 in {time.monotonic() - start:.1f}s")
