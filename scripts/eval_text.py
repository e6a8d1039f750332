#!/usr/bin/env python3
"""Score the scraped-text cleaner (`clean_text`) on a set made by make_text_set.py.

    python scripts/eval_text.py OUT                  # OUT as written by make_text_set.py
    python scripts/eval_text.py OUT --style soup --show-misses 10

Per style of flattening: headline accuracy (typographic quotes and dashes made plain,
case and white space ignored); date accuracy (the day) and author accuracy (the same set
of names, case ignored) over the files whose text states them near the headline; the
share of the story's known snippets found in the body; and leaks: body lines that are
furniture. Leaks are counted two ways: lines of the listed kinds found by patterns of
this script's own (written apart from the cleaner's rules: like widgets, correction
prompts, "Read more:" teasers, "Most read" lists, copyright lines, comment prompts, share
widgets, cookie and newsletter lines), and, on `scraper` texts, the invented furniture
lines themselves.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from searchlib import clean_text

_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").translate(_PLAIN).split()).casefold()


#: Furniture of the listed kinds, as this script recognises it in a body line.
LEAKS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.I)
    for name, pattern in {
        "like": r"^(like this|gefällt mir|j[’']aime|me gusta)\b.{0,30}$|^like loading",
        "mistake": r"^.{0,40}\b(found|spotted|see|repéré|gefunden|visto) (a|an|un|une|einen)?\s*"
        r"(mistake|typo|error|erreur|fehler)\b.{0,60}$|^fehler gefunden",
        "read more": r"^(read more|read also|also read|lesen sie auch|lire aussi|leer más)\s*:",
        "most read": r"^(most (read|popular|viewed)|meistgelesen|les plus lus|lo más leído)\W*$",
        "copyright": r"^.{0,80}(©|\(c\)|copyright \d{4}|all rights reserved|tous droits "
        r"réservés|todos los derechos reservados|alle rechte vorbehalten)",
        "comment": r"^(please enter your (comment|name)|leave a (reply|comment)|"
        r"kommentar verfassen|laisser un commentaire|deja una respuesta|bitte geben sie ihren "
        r"kommentar|veuillez entrer votre commentaire|¡?por favor ingrese su comentario)",
        "share": r"^(share|teilen|partager|compartir)( this( article| story)?)?( on \w+)?:?$",
        "cookie": r"^.{0,100}\b(we use|uses|verwendet|utilise|utiliza) cookies\b",
        "newsletter": r"^.{0,60}\b(sign up|subscribe|abonnieren|inscrivez-vous|suscríbete)\b"
        r".{0,40}\b(newsletter|boletín)",
        "menu": r"^(home|startseite|accueil|inicio|sign in|log in|anmelden|se connecter|"
        r"iniciar sesión|subscribe|skip to content|zum inhalt springen)$",
    }.items()
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, nargs="+", help="folders made by make_text_set.py")
    parser.add_argument("--style", default=None, help="only this style of flattening")
    parser.add_argument("--show-misses", type=int, default=0, help="print N misses of each kind")
    args = parser.parse_args()
    score: dict[str, Counter[str]] = defaultdict(Counter)
    leaks: dict[str, Counter[str]] = defaultdict(Counter)
    misses: dict[str, list[str]] = defaultdict(list)

    def miss(kind: str, text: str) -> None:
        if len(misses[kind]) < args.show_misses:
            misses[kind].append(text)

    for folder in args.folder:
        for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)
            style = gold["style"]
            if args.style and style != args.style:
                continue
            path = folder / gold["file"]
            got = clean_text(path.read_text(encoding="utf-8"))
            tally = score[style]
            tally["files"] += 1
            right = norm(got.title) == norm(gold["title"])
            tally["title"] += right
            if not right:
                miss("title", f"{path}: {got.title[:70]!r} != {gold['title'][:70]!r}")
            if gold["date_stated"]:
                tally["date stated"] += 1
                day = got.date.strftime("%Y-%m-%d") if got.date else ""
                tally["date"] += day == gold["date"]
                if day != gold["date"]:
                    miss("date", f"{path}: {day!r} != {gold['date']!r}")
            if gold["authors_stated"]:
                tally["authors stated"] += 1
                names = {norm(a) for a in got.authors}
                want = {norm(a) for a in gold["authors"]}
                tally["authors"] += names == want
                if names != want:
                    miss("authors", f"{path}: {sorted(names)} != {sorted(want)}")
            body = norm(got.body)
            for snippet in gold["snippets"]:
                tally["snippets"] += 1
                tally["snippets found"] += norm(snippet) in body
            lines = [norm(x) for x in got.body.split("\n") if x.strip()]
            for kind, pattern in LEAKS.items():
                found = [x for x in lines if pattern.search(x)]
                leaks[style][kind] += bool(found)
                if found:
                    miss(f"leak {kind}", f"{path}: {found[0][:80]!r}")
            furniture = {norm(f) for f in gold["furniture"]}
            leaked = [x for x in lines if x in furniture]
            tally["furniture files"] += bool(furniture)
            tally["furniture leaked"] += bool(leaked)
            if leaked:
                miss("furniture", f"{path}: {leaked[0][:80]!r}")
    print(
        f"{'style':<14} {'files':>5} {'headline':>8} {'date':>13} {'authors':>13} "
        f"{'snippets':>8} {'furniture':>9}"
    )

    def share(tally: Counter[str], key: str, total: str) -> str:
        return f"{tally[key] / max(tally[total], 1):.3f}"

    for style, tally in sorted(score.items()):
        print(
            f"{style:<14} {tally['files']:>5} {share(tally, 'title', 'files'):>8} "
            f"{share(tally, 'date', 'date stated'):>6} ({tally['date stated']:>4}) "
            f"{share(tally, 'authors', 'authors stated'):>6} ({tally['authors stated']:>4}) "
            f"{share(tally, 'snippets found', 'snippets'):>8} "
            f"{tally['furniture leaked']:>4}/{tally['furniture files']:<4}"
        )
    print("\nfiles with a body line of each kind of furniture:")
    kinds = list(LEAKS)
    print(f"{'style':<14}" + "".join(f" {k[:10]:>10}" for k in kinds))
    for style in sorted(leaks):
        print(f"{style:<14}" + "".join(f" {leaks[style][k]:>10}" for k in kinds))
    for kind, lines in misses.items():
        print(f"\n{kind}:")
        for text in lines:
            print(f"  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
