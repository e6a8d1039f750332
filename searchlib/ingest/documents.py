"""Turn a raw item into the fields stored in the index (runs in worker processes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from searchlib.engine.schema import posted
from searchlib.ingest.items import RawItem
from searchlib.models import Article, Skipped
from searchlib.output import valid_text
from searchlib.search.query import analyze

_WORD = re.compile(r"\w+")


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items = (
            [v.strip() for v in re.split(r"[;,]", value)]
            if ("," in value or ";" in value)
            else [value.strip()]
        )
    elif isinstance(value, list | tuple):
        items = [
            str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()
        ]
    else:
        return ()
    return tuple(i for i in items if i)


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def article_from_record(record: Mapping[str, Any]) -> Article:
    """Build an Article from a JSON record; given fields are kept as given. A record
    `searchlib clean` wrote (flagged `cleaned`) is taken as it is, never cleaned again."""
    from searchlib.clean import clean_body, clean_html, usable_url
    from searchlib.clean.dates import parse_date

    if record.get("cleaned") is True:
        from searchlib.ingest.shards import cleaned_article

        return cleaned_article(record)

    # A url that cannot be parsed is dropped, not the story.
    url = usable_url(_str(record.get("url")))
    html = record.get("html")
    if isinstance(html, str) and html.strip():
        base = clean_html(html, url=url)
    else:
        content = record.get("body") if isinstance(record.get("body"), str) else record.get("text")
        base = Article(body=clean_body(content) if isinstance(content, str) else "", url=url)
    date_value = record.get("date")
    date = parse_date(str(date_value)) if isinstance(date_value, str | int) else None
    source = _str(record.get("source")) or _str(record.get("site"))
    return Article(
        title=_str(record.get("title")) or base.title,
        body=base.body,
        date=date or base.date,
        authors=_as_tuple(record.get("authors") or record.get("author")) or base.authors,
        url=url or base.url,
        site=source or base.site or _host(url),
        tags=_as_tuple(record.get("tags")) or base.tags,
        language=_str(record.get("language")) or base.language,
    )


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # `http://[::1`: no host to name the site by
        return None
    return host[4:] if host and host.startswith("www.") else host


def article_for(item: RawItem) -> Article:
    """Clean a raw item into an Article."""
    from searchlib.clean import clean_html, clean_text
    from searchlib.clean.encoding import decode

    if item.kind == "record":
        assert isinstance(item.payload, dict)
        return article_from_record(item.payload)
    assert isinstance(item.payload, bytes)
    if item.kind == "html":
        return clean_html(item.payload)
    return clean_text(decode(item.payload))


def simhash(text: str) -> int:
    """A 64-bit SimHash of word 3-grams, for finding near-duplicate stories."""
    words = [word.encode("utf-8") for word in _WORD.findall(text.lower())[:300]]
    if len(words) < 3:  # the opening is enough to spot copies
        words = [*words, b"", b""]
    import numpy as np

    copy = _gram_hash().copy
    grams = len(words) - 2
    hashes = []
    for at in range(grams):
        gram = copy()  # an 8-byte BLAKE2b started once, copied: cheaper than a new one
        gram.update(words[at] + b" " + words[at + 1] + b" " + words[at + 2])
        hashes.append(gram.digest())
    # Each gram's 64 bits as a row; a bit of the result is set where more grams than
    # not have it set (columns in the order of the bits, most significant first).
    bits = np.unpackbits(np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(grams, 8), axis=1)
    most = 2 * bits.sum(axis=0, dtype=np.int64) > grams
    return int.from_bytes(np.packbits(most).tobytes(), "big")


@cache
def _gram_hash() -> Any:
    """An 8-byte BLAKE2b with nothing hashed yet, copied for each gram."""
    import hashlib

    return hashlib.blake2b(digest_size=8)


def fields_for(item: RawItem, article: Article) -> dict[str, Any]:
    """The Whoosh fields of one document.

    Every text is made valid Unicode here, whoever built the Article: a lone surrogate
    stored would break each later read of the document.
    """
    title = valid_text(unicodedata.normalize("NFC", article.title))
    body = valid_text(unicodedata.normalize("NFC", article.body))
    date: datetime | None = article.date
    site = valid_text(article.site or _host(article.url) or "")
    authors = [valid_text(a) for a in article.authors]
    tags = [valid_text(t) for t in article.tags]
    title_terms = analyze(title)
    fields: dict[str, Any] = {
        "id": item.doc_id,
        "checksum": item.checksum,
        "origin": item.origin,
        # Indexed as postings built here (see schema.Posted), stored as written.
        "title": posted(title_terms),
        "_stored_title": title,
        "body": body,
        "content": posted([*title_terms, *analyze(body)]),
        "authors": "\n".join(authors),
        "source": site,
        "source_key": site,
        "tags": "\n".join(tags),
        "tag_keys": ",".join(t.replace(",", " ") for t in tags),
        "url": valid_text(article.url or ""),
        "language": valid_text(article.language or ""),
        "simhash": simhash(title + " " + body),
    }
    if date is not None:
        fields["date"] = date
    return fields


def prepare(item: RawItem) -> dict[str, Any] | Skipped:
    """Clean one raw item into index fields, or say why it cannot be indexed.

    Never raises for bad content: anything unexpected becomes a Skipped note.
    """
    article = clean_item(item)
    return article if isinstance(article, Skipped) else fields_for(item, article)


def clean_item(item: RawItem) -> Article | Skipped:
    """Clean one raw item into an Article, or say why it cannot be indexed (never
    raises for bad content)."""
    try:
        article = article_for(item)
    except Exception as exc:
        detail = " ".join(str(exc).split())  # one line, as every skip note is shown
        return Skipped(item.origin, f"could not clean: {type(exc).__name__}: {detail}")
    if not article.body.strip() and not article.title.strip():
        return Skipped(item.origin, "no article text found")
    return article
