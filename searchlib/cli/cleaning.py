"""`searchlib clean`: what the cleaner keeps of one file, or (`--out DIR`) a whole corpus
cleaned into shards, locally or on a Dask cluster, for `index` or `export` to read."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from searchlib.cli.app import EXIT_INTERRUPTED, EXIT_NO_HITS, cli
from searchlib.cli.common import CliError, max_size_option, workers_option
from searchlib.output import terminal_text

#: What `clean FILE` reads of a file at most, as `index` does by default.
_SHOW_MAX_BYTES = 200 * 1024 * 1024


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Clean SOURCES into compressed JSON-lines shards in this folder.",
)
@click.option(
    "--dask",
    "dask",
    metavar="ADDRESS",
    default=None,
    help="With --out: clean on the Dask cluster at ADDRESS (tcp://HOST:PORT), or on a "
    "local one of N workers (local:N). Needs `pip install 'searchlib[dask]'`.",
)
@workers_option("With --out and no --dask: worker processes (default: one per core).")
@click.option(
    "--shard-size",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="With --out: articles per shard (one task each).",
)
@max_size_option("With --out: skip inputs larger than this many MB.")
@click.option("--show-skipped", is_flag=True, help="With --out: list every skipped input.")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.option("--url", default=None, help="The page's URL, if known.")
def clean(
    sources: tuple[Path, ...],
    out: Path | None,
    dask: str | None,
    workers: int | None,
    shard_size: int,
    max_mb: float,
    show_skipped: bool,
    as_json: bool,
    url: str | None,
) -> None:
    """Show what the cleaner keeps of a FILE (.html, .txt, .jsonl/.json, also .gz); with
    --out DIR, clean files and folders into shards that `searchlib index DIR` indexes
    without cleaning them again.

    Re-running with the same --out keeps the shards already finished.
    """
    if out is None:
        if dask or workers or show_skipped:
            raise click.UsageError("--dask, --workers and --show-skipped go with --out DIR")
        if len(sources) != 1:
            raise click.UsageError("give one FILE to show, or --out DIR to clean a corpus")
        _show(sources[0], as_json, url)
        return
    if as_json or url:
        raise click.UsageError("--json and --url show one FILE; they do not go with --out")
    _clean_corpus(sources, out, dask, workers, shard_size, int(max_mb * 1024 * 1024), show_skipped)


def _clean_corpus(
    sources: tuple[Path, ...],
    out: Path,
    dask: str | None,
    workers: int | None,
    shard_size: int,
    max_bytes: int,
    show_skipped: bool,
) -> None:
    from searchlib.ingest.cluster import clean_corpus

    if dask and logging.getLogger().getEffectiveLevel() >= logging.WARNING:
        # Dask logs every start and stop of a cluster at INFO; without -v, only warnings
        # (read when Dask is imported, by this process and the workers it starts).
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    status = _Status()
    start = time.monotonic()
    try:
        report = clean_corpus(
            sources,
            out,
            dask=dask,
            workers=workers,
            shard_size=shard_size,
            max_bytes=max_bytes,
            progress=status,
        )
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished shards are kept; rerun to go on from them", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        status.close()
    if show_skipped:
        for item in report.skipped:
            click.echo(terminal_text(f"skipped {item.source}: {item.reason}"), err=True)
    seconds = time.monotonic() - start
    click.echo(f"{report.summary()} in {seconds:.1f}s → {report.out}")
    if report.failed:
        name, reason = report.failed[0]
        more = f" (and {len(report.failed) - 1} more)" if len(report.failed) > 1 else ""
        raise CliError(f"shard {name} failed: {reason}{more}; rerun the command to redo it")


class _Status:
    """Shards done, on stderr when it is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.monotonic()

    def __call__(self, progress: Any) -> None:
        if self.enabled:
            rate = progress.articles / max(time.monotonic() - self.start, 1e-6)
            line = (
                f"\r{progress.shards_done} shards · {progress.articles} articles · "
                f"{progress.skipped} skipped · {rate:,.0f} articles/s"
            )
            click.echo(line, nl=False, err=True)

    def close(self) -> None:
        if self.enabled:
            click.echo("\r" + " " * 80 + "\r", nl=False, err=True)


def _show(file: Path, as_json: bool, url: str | None) -> None:
    """What the cleaner keeps of one file."""
    from searchlib.clean import clean_bytes
    from searchlib.clean.encoding import is_binary
    from searchlib.cli.documents import _print_article as print_article
    from searchlib.ingest.documents import article_for
    from searchlib.ingest.sources import kind_of, read_bytes, read_file
    from searchlib.models import Skipped

    if not file.exists():
        raise click.BadParameter(f"File '{file}' does not exist.", param_hint="'SOURCES...'")
    if file.is_dir():
        raise click.BadParameter(
            f"'{file}' is a folder: give --out DIR to clean a folder", param_hint="'SOURCES...'"
        )
    kind, gz = kind_of(file)
    if kind == "record":
        for item in read_file(file, file.name):
            if isinstance(item, Skipped):
                click.echo(terminal_text(f"skipped {item.source}: {item.reason}"), err=True)
            else:
                print_article(article_for(item), as_json, {"id": item.doc_id})
                click.echo()
        return
    try:
        data = read_bytes(file, gz, _SHOW_MAX_BYTES)
    except Exception as exc:
        raise CliError(f"cannot read {file}: {exc}") from None
    if is_binary(data):
        raise CliError(f"{file} is a binary file, not a page or text")
    html = True if kind == "html" else None if kind is None else False
    article = clean_bytes(data, html=html, url=url)
    print_article(article, as_json)
    if not (article.title or article.body):
        # Blank lines alone, and success, read as a cleaner that failed silently.
        click.echo(f"nothing kept: no article text found in {terminal_text(str(file))}", err=True)
        sys.exit(EXIT_NO_HITS)
