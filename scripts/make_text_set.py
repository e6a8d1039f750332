#!/usr/bin/env python3
"""Make a development set of scraped-text pages from HTML pages whose article is known.

    python scripts/make_text_set.py ../shared/data/extraction/wcxb-dev OUT
    python scripts/make_text_set.py ../shared/data/extraction/trafilatura-eval OUT --limit 300

Each page is flattened to plain text in several ways, as scrapers and people do it:

- `browser`: block elements on lines of their own and inline ones run together, like a
  copy from a browser window; a blank line between blocks.
- `browser-tight`: the same without blank lines.
- `soup`: BeautifulSoup's get_text("\\n"): every text node on a line of its own, so a
  "By <a>Jane Roe</a>" byline comes out as two lines.
- `lxml`: lxml's text_content(), lines as the page's source breaks them.
- `scraper`: the browser copy's story alone, framed by invented site furniture (a menu,
  share and like widgets, a "Most read" list of other pages' headlines, a "Read more:"
  teaser inside the story, a correction prompt, comment prompts, a copyright line), in
  English, German, French or Spanish.

Every text keeps part of what came before the headline on the page (its first lines, its
menu, and the lines just before the headline: breadcrumbs, a category, a date) and the
lines after the story (tags, share widgets, comments, the footer). A page is used only
when its known headline is a line of the flattened text and the end of its story is found.

Written to OUT: STYLE/NNNN.txt files and gold.jsonl, one line per file with the known
headline, date and authors, whether the text states the date and the authors near the
headline (see `_states_date`, `_states_authors`), the story's known snippets, and the
invented furniture lines of `scraper` texts. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Lines kept from the top of the page, and from just before the headline.
TOP_LINES = 12
NEAR_LINES = 4
#: Lines kept after the story's last known line.
AFTER_LINES = 25
#: The header: lines of the text up to this many after the headline, where a byline or a
#: date line counts as stated.
HEADER_AFTER = 8

_DROP = {"script", "style", "noscript", "template", "head", "svg", "select", "option", "title"}
_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
    "font", "label", "button", "img", "input",
}  # fmt: skip


@dataclass
class Page:
    name: str
    html: bytes
    title: str
    date: str
    authors: list[str]
    snippets: list[str]
    last: str  # text the story ends with


def norm(text: str) -> str:
    text = text.replace("\u00ad", "").translate(_PLAIN)
    return " ".join(text.split()).casefold()


_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _split_authors(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in re.split(r";|,| and ", value) if v.strip()]
    return []


def trafilatura_pages(folder: Path) -> Iterator[Page]:
    import ast

    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    for case in data.values():
        path = folder / "eval" / case["file"]
        if not path.exists():
            path = folder / "cache" / case["file"]
        if not path.exists() or not case.get("title"):
            continue
        snippets = (
            case["with"] if isinstance(case["with"], list) else ast.literal_eval(case["with"])
        )
        if not snippets:
            continue
        yield Page(
            case["file"], path.read_bytes(), case["title"], (case.get("date") or "")[:10],
            _split_authors(case.get("author")), snippets, snippets[-1],
        )  # fmt: skip


def wcxb_pages(folder: Path) -> Iterator[Page]:
    for path in sorted((folder / "ground-truth").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        case = record["ground_truth"]
        page = folder / "html" / f"{path.stem}.html.gz"
        if not page.exists() or not case.get("main_content") or not case.get("title"):
            continue
        paragraphs = [p for p in case["main_content"].split("\n") if len(p.split()) >= 6]
        if not paragraphs:
            continue
        yield Page(
            path.stem, gzip.decompress(page.read_bytes()), case["title"],
            (case.get("publish_date") or "")[:10], _split_authors(case.get("author")),
            list(case.get("with") or []) or paragraphs[:3], paragraphs[-1],
        )  # fmt: skip


def browser_lines(root: object) -> list[str]:
    """Block elements on lines of their own, inline text run together."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            lines.append(text)
        current.clear()

    def walk(node: object) -> None:
        tag = getattr(node, "tag", None)
        if not isinstance(tag, str):
            current.append(getattr(node, "tail", None) or "")
            return
        tag = tag.lower()
        if tag in _DROP:
            current.append(node.tail or "")  # type: ignore[attr-defined]
            return
        block = tag not in _INLINE
        if tag == "br" or block:
            flush()
        current.append(node.text or "")  # type: ignore[attr-defined]
        for child in node:  # type: ignore[attr-defined]
            walk(child)
        if block:
            flush()
        current.append(node.tail or "")  # type: ignore[attr-defined]

    walk(root)
    flush()
    return lines


def _container(root: Any, page: Page) -> Any:
    """The smallest element that holds both the headline and the story's last words: the
    article element a scraper would take. None when either is not found."""
    title = norm(page.title)
    last = norm(page.last[-60:])
    heads = [e for e in root.iter() if isinstance(e.tag, str) and norm(e.text_content()) == title]
    if not heads or not last:
        return None
    ends = [e for e in root.iter() if isinstance(e.tag, str) and last in norm(e.text_content())]
    if not ends:
        return None
    end = ends[-1]  # the innermost: iter() is in document order, parents first
    ancestors = set(end.iterancestors()) | {end}
    for node in [heads[0], *heads[0].iterancestors()]:
        if node in ancestors:
            return node
    return None


def flatten(html: bytes, page: Page) -> dict[str, tuple[list[str], list[str]]]:
    """For each style of flattening, the page's lines and its article element's lines
    (empty when the article element is not found)."""
    import lxml.html
    from bs4 import BeautifulSoup

    from searchlib.clean.encoding import decode

    out: dict[str, tuple[list[str], list[str]]] = {}
    try:
        doc = lxml.html.document_fromstring(decode(html))
    except Exception:
        return out
    for bad in doc.xpath("//script|//style|//noscript|//template|//svg|//head"):
        bad.drop_tree()
    body = doc.find("body")
    root = body if body is not None else doc
    box = _container(root, page)

    def soup(node: Any) -> list[str]:
        text = BeautifulSoup(lxml.html.tostring(node), "lxml").get_text("\n")
        return [" ".join(line.split()) for line in text.split("\n")]

    def plain(node: Any) -> list[str]:
        return [" ".join(line.split()) for line in node.text_content().split("\n")]

    page_lines = browser_lines(root)
    out["page"] = (page_lines, [])
    for style, how in (("browser", browser_lines), ("soup", soup), ("lxml", plain)):
        out[style] = (page_lines, how(box) if box is not None else [])
    return out


def article_window(
    page_lines: list[str], box: list[str], page: Page
) -> tuple[list[str], int, int] | None:
    """The article element's lines, after the page's first lines (its menu) and before
    the lines that follow the element on the page (its footer)."""
    box = [line for line in box if line]
    page_lines = [line for line in page_lines if line]
    head = _find(box, page.title)
    if head is None:
        return None
    end = _end(box, page, head + 1)
    if end is None:
        return None
    top = page_lines[:TOP_LINES]
    last = _find(page_lines, box[-1], start=TOP_LINES)
    after = page_lines[last + 1 : last + 1 + AFTER_LINES] if last is not None else []
    return [*top, *box, *after], len(top) + head, len(top) + end


def _find(lines: list[str], text: str, start: int = 0, exact: bool = True) -> int | None:
    want = norm(text)
    for i in range(start, len(lines)):
        got = norm(lines[i])
        if (got == want) if exact else (want in got):
            return i
    return None


def _end(lines: list[str], page: Page, start: int) -> int | None:
    """The line the story ends on: the last that holds its last known words."""
    for probe in (page.last[-60:], page.last[:60]):
        want = norm(probe)
        hits = [i for i in range(start, len(lines)) if want and want in norm(lines[i])]
        if hits:
            return hits[0]
    return None


def window(lines: list[str], page: Page) -> tuple[list[str], int, int] | None:
    """The lines a scraped text keeps, and where the headline and the story's end are."""
    lines = [line for line in lines if line]
    head = _find(lines, page.title)
    if head is None:
        return None
    end = _end(lines, page, head + 1)
    if end is None or end - head > 600:
        return None
    before = lines[:head]
    top = before[:TOP_LINES]
    near = before[max(TOP_LINES, head - NEAR_LINES) :]
    kept = [*top, *near]
    return [*kept, *lines[head : end + 1 + AFTER_LINES]], len(kept), len(kept) + end - head


_MONTHS = {
    1: "jan janv ene gen", 2: "feb fév fev", 3: "mar mär mär mars", 4: "apr avr abr",
    5: "may mai mayo", 6: "jun juin", 7: "jul juil", 8: "aug aoû aou ago",
    9: "sep set", 10: "oct okt ott", 11: "nov", 12: "dec dez déc dic",
}  # fmt: skip


def _states_date(line: str, date: str) -> bool:
    """Whether a short line writes the day `date` (YYYY-MM-DD): the year, the day, and the
    month by number or by name. Judged without the cleaner's date parser."""
    if len(line) > 160 or not re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        return False
    year, month, day = date.split("-")
    if not 1 <= int(month) <= 12:
        return False
    low = line.casefold()
    if date in low:
        return True
    numbers = set(re.findall(r"\d+", low))
    if not ({year, year[2:]} & numbers and {day, day.lstrip("0")} & numbers):
        return False
    names = _MONTHS[int(month)].split()
    words = re.findall(r"[^\W\d_]+", low)
    by_name = any(w[:3] in {n[:3] for n in names} for w in words)
    by_number = bool(re.search(rf"\b0?{int(month)}[./-]|[./-]0?{int(month)}\b", low))
    return by_name or by_number


def _states_authors(lines: list[str], authors: list[str]) -> bool:
    """Whether every author is named in a short line (a byline: at most 12 words) near
    the headline; a name inside a sentence of the story is not a byline."""
    short = norm(" ".join(line for line in lines if len(line.split()) <= 12))
    return bool(authors) and all(norm(a) in short for a in authors)


_FURNITURE = {
    "en": {
        "menu": ["Home", "News", "World", "Business", "Sport", "Culture", "Opinion", "Subscribe",
                 "Sign in", "Search"],
        "top": ["Skip to content", "Menu", "Breaking News"],
        "share": ["Share this:", "Facebook", "Twitter", "Email", "Print"],
        "like": ["Like this:", "Like Loading..."],
        "mistake": ["Found a mistake? Let us know"],
        "read": "Read more: {}",
        "most": "Most read",
        "copyright": "© {} Example Media Ltd. All rights reserved.",
        "comment": ["Leave a Reply", "Please enter your comment!", "Please enter your name here"],
        "cookie": ["We use cookies to improve your experience. Accept cookies"],
        "newsletter": ["Sign up for our newsletter"],
    },
    "de": {
        "menu": ["Startseite", "Politik", "Wirtschaft", "Sport", "Kultur", "Abo", "Anmelden"],
        "top": ["Zum Inhalt springen", "Menü"],
        "share": ["Teilen", "Facebook", "Twitter", "E-Mail"],
        "like": ["Gefällt mir:", "Gefällt mir Wird geladen …"],
        "mistake": ["Fehler gefunden? Jetzt melden"],
        "read": "Lesen Sie auch: {}",
        "most": "Meistgelesen",
        "copyright": "© {} Beispiel Verlag GmbH",
        "comment": ["Kommentar verfassen", "Bitte geben Sie Ihren Kommentar ein!"],
        "cookie": ["Diese Website verwendet Cookies."],
        "newsletter": ["Jetzt Newsletter abonnieren"],
    },
    "fr": {
        "menu": ["Accueil", "Actualités", "International", "Économie", "Sport", "S'abonner",
                 "Se connecter"],
        "top": ["Aller au contenu", "Menu"],
        "share": ["Partager", "Facebook", "Twitter", "E-mail"],
        "like": ["J’aime ça :", "J’aime chargement…"],
        "mistake": ["Vous avez repéré une erreur ? Signalez-la"],
        "read": "Lire aussi : {}",
        "most": "Les plus lus",
        "copyright": "© {} Exemple Média. Tous droits réservés.",
        "comment": ["Laisser un commentaire", "Veuillez entrer votre commentaire!"],
        "cookie": ["Ce site utilise des cookies."],
        "newsletter": ["Inscrivez-vous à notre newsletter"],
    },
    "es": {
        "menu": ["Inicio", "Noticias", "Internacional", "Economía", "Deportes", "Suscríbete",
                 "Iniciar sesión"],
        "top": ["Saltar al contenido", "Menú"],
        "share": ["Compartir", "Facebook", "Twitter", "Correo"],
        "like": ["Me gusta esto:", "Me gusta Cargando..."],
        "mistake": ["¿Has visto un error? Avísanos"],
        "read": "Leer más: {}",
        "most": "Lo más leído",
        "copyright": "© {} Ejemplo Medios S.L. Todos los derechos reservados.",
        "comment": ["Deja una respuesta", "¡Por favor ingrese su comentario!"],
        "cookie": ["Este sitio web utiliza cookies."],
        "newsletter": ["Suscríbete a nuestro boletín"],
    },
}  # fmt: skip


def scraper_text(
    story: list[str], others: list[str], rng: random.Random
) -> tuple[list[str], int, list[str]]:
    """The story framed by invented furniture; the headline's index; the furniture lines."""
    vocab = _FURNITURE[rng.choice(["en", "en", "de", "fr", "es"])]
    furniture: list[str] = []

    def add(lines: list[str]) -> list[str]:
        furniture.extend(lines)
        return lines

    top = add(rng.sample(vocab["top"], 1) + vocab["menu"][: rng.randint(4, len(vocab["menu"]))])
    head = [story[0]]
    body = story[1:]
    teaser = others[0]
    if len(body) > 3:
        at = rng.randint(2, len(body) - 1)
        body = [*body[:at], *add([vocab["read"].format(teaser)]), *body[at:]]  # type: ignore[attr-defined]
    tail: list[str] = []
    for part in rng.sample(["share", "like", "mistake", "cookie", "newsletter"], 3):
        tail += add(list(vocab[part]))
    most = [vocab["most"], *(f"{n}. {t}" if rng.random() < 0.5 else f"{n} {t}"
                             for n, t in enumerate(others[1:5], 1))]  # fmt: skip
    tail += add(most)
    tail += add(list(vocab["comment"]))
    tail += add([vocab["copyright"].format(rng.randint(2015, 2025))])  # type: ignore[attr-defined]
    lines = [*top, *head, *body, *tail]
    return lines, len(top), furniture


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="trafilatura-eval or wcxb-dev folder")
    parser.add_argument("out", type=Path, help="folder to write the texts and gold.jsonl to")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    if (args.folder / "evaldata.json").exists():
        pages = trafilatura_pages(args.folder)
    elif (args.folder / "ground-truth").is_dir():
        pages = wcxb_pages(args.folder)
    else:
        print(
            f"error: {args.folder} holds neither evaldata.json nor ground-truth/", file=sys.stderr
        )
        return 2
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    titles: list[str] = []
    with (args.out / "gold.jsonl").open("w", encoding="utf-8") as gold:
        for number, page in enumerate(pages):
            if args.limit is not None and number >= args.limit:
                break
            counts["pages"] += 1
            flat = flatten(page.html, page)
            made = False
            for style, (raw, box) in flat.items():
                found = window(raw, page) if style == "page" else article_window(raw, box, page)
                if found is None:
                    counts[f"{style}: headline or story end not found"] += 1
                    continue
                lines, head, end = found
                texts = [(style, lines, head, [])]
                if style == "browser":
                    texts.append(("browser-tight", lines, head, []))
                    if len(titles) >= 5:
                        story = lines[head : end + 1]
                        others = rng.sample(titles, 5)
                        texts.append(("scraper", *scraper_text(story, others, rng)))
                for name, text_lines, at, furniture in texts:
                    header = text_lines[max(0, at - NEAR_LINES) : at + 1 + HEADER_AFTER]
                    joined = "\n" if name in ("browser-tight", "soup", "lxml", "page") else "\n\n"
                    path = args.out / name / f"{page.name}.txt"
                    path.parent.mkdir(exist_ok=True)
                    path.write_text(joined.join(text_lines) + "\n", encoding="utf-8")
                    record = {
                        "file": f"{name}/{page.name}.txt", "style": name, "title": page.title,
                        "date": page.date, "authors": page.authors,
                        "date_stated": any(_states_date(line, page.date) for line in header),
                        "authors_stated": _states_authors(header, page.authors),
                        "snippets": page.snippets, "furniture": furniture,
                    }  # fmt: skip
                    gold.write(json.dumps(record, ensure_ascii=False) + "\n")
                    counts[name] += 1
                made = True
            if made:
                titles.append(page.title)
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
