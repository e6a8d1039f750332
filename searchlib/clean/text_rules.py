"""Rules for scraped plain text, kept as data beside the HTML rules in `rules.py`.

Plain text has no tags or classes: what marks a page's furniture is the wording of its
lines and their shape. Everything here is general vocabulary of news sites and blog
engines in English, German, French and Spanish; nothing is keyed to one site.
"""

from __future__ import annotations

import re

from searchlib.clean.rules import line_pattern

#: A line of this many words or more that ends a sentence is the story's prose.
PROSE_WORDS = 12
#: A line of this many words or more is prose whatever its ending (a paragraph cut short).
LONG_PROSE_WORDS = 25
#: The story runs on across this many weak lines in a row (short lines, furniture): a
#: subhead, a caption or a teaser sit inside it; a longer run is the page's furniture.
STORY_GAP = 6
#: A line this short (in words) is weak: a subhead, a label, a menu entry.
WEAK_WORDS = 5
#: How far before the story's first prose line a headline is looked for (lines).
HEADLINE_SEARCH = 60
#: A menu or link-list entry: a line of at most this many words, next to another such line.
MENU_WORDS = 3
#: The longest line read as a byline or a date line.
MAX_META_LINE = 120
#: A breadcrumb trail's steps before the headline ("Home » News » Headline", "Blog /
#: Topics / Headline"): the separators, and the most words a step before the last has.
#: "»" and "›" mark a trail from its second step; ">" and "/", which a headline may hold,
#: from its third.
BREADCRUMB_MARK_RE = re.compile(r"\s*[»›]\s*")
BREADCRUMB_SPLIT_RE = re.compile(r"\s*[»›>]\s*|\s+/\s+|(?<=[^\W\d])/(?=[^\W\d])")
BREADCRUMB_STEP_WORDS = 4
#: The first step of a trail marked by ">" or "/", which headlines use too ("Russia/
#: Ukraine/NATO: talks resume"): a trail starts at the site's root or a section of it.
BREADCRUMB_ROOT_RE = re.compile(
    r"^(?:you are here:\s*|sie sind hier:\s*)?(?:home|homepage|main|start|startseite|accueil|"
    r"inicio|portada|blog|news|newsroom|nachrichten|actualités|noticias|forum|magazine|"
    r"magazin|articles?|resources|topics|insights|learn|help|support)$",
    re.IGNORECASE,
)

#: Navigation and account lines of a scraped page's header and footer ("Home", "Sign
#: in", "Skip to content"), and the site's fixed links ("Privacy Policy", "Impressum").
UI_LINE_PATTERNS: tuple[str, ...] = (
    r"home|homepage|startseite|accueil|inicio|portada|menu|menü|menú|search|suche|"
    r"rechercher|recherche|buscar|búsqueda",
    r"(sign|log) ?(in|on|out|up)|login|logout|register|registrieren|anmelden|abmelden|"
    r"einloggen|se connecter|connexion|s'inscrire|iniciar sesión|regístrate|registrarse|"
    r"my account|mein konto|mon compte|mi cuenta|join( now)?( (sign|log) ?in)?",
    r"(\+ ?)?follow|report this (article|post)|"
    r"subscribe|abonnieren|abo|abonnement|s['’]abonner|suscr[ií]b(e|ete|irse)",
    r"(skip|jump) to( main)? (content|navigation|menu)|zum (haupt)?inhalt( springen)?|"
    r"(aller|passer) au contenu( principal)?|(saltar|ir) al contenido( principal)?",
    r"(privacy|cookie)( policy| settings| notice)?|terms( of (use|service))?|imprint|"
    r"impressum|datenschutz(erklärung)?|mentions légales|aviso legal|contact( us)?|kontakt|"
    r"contacto|about( us)?|über uns|qui sommes-nous|quiénes somos|sitemap|faq|rss|"
    r"advertise|werben|jobs|careers|karriere",
    # calls to action and pagers, often in title case like a name or a headline
    r"(start|get|try|book|request|download|watch|listen)( (a|the|your|our|now|free))*"
    r"( \w+){0,2}|free (download|trial)|(previous|next|prev)( (post|article|story|page))?|"
    r"previous next|no comments|read (the )?(full )?(story|article)",
)
UI_LINE_RE = line_pattern(UI_LINE_PATTERNS, edge=r"\W*")

#: Furniture of scraped text that the HTML rules do not list: WordPress like widgets,
#: correction prompts, comment prompts, share, cookie and newsletter lines in the other
#: common languages.
TEXT_FURNITURE_PATTERNS: tuple[str, ...] = (
    # like widgets ("Like this:", "Like Loading...", "Gefällt mir Wird geladen …")
    r"(like|gefällt mir|j['’]aime|me gusta)( this| ça| esto)?\s*[:!]?"
    r"|(like|gefällt mir|j['’]aime|me gusta)\s+(loading|wird geladen|chargement|cargando)\W*",
    r"\d+ (comments?|responses?|replies|kommentare?|commentaires?|comentarios?)"
    r"( (on|to|zu|sur|en|a) .{0,200})?",
    r"(be the first|sei der erste|soyez le premier|sé el primero) .{0,40}",
    r"(gefällt mir|like)( nicht)? (gefällt mir nicht|dislike)",
    # comment prompts
    r"(schreibe|hinterlasse) (eine antwort|einen kommentar)\W*.{0,40}",
    r"(kommentar verfassen|antwort verfassen|schreibe einen kommentar|"
    r"bitte geben sie ihren (kommentar|namen) ein)\W*.{0,40}",
    r"(laisser un commentaire|laisser une réponse|veuillez (entrer|saisir) votre "
    r"(commentaire|nom))\W*.{0,40}",
    r"(deja (una respuesta|un comentario)|¡?por favor (ingrese|introduce|escribe) su "
    r"(comentario|nombre))\W*.{0,40}",
    # "was this helpful?" prompts and their answer buttons
    r"(was this (article|story|page|post) (helpful|useful)|war dieser (artikel|beitrag) "
    r"hilfreich|cet article vous a-t-il été utile|¿?(te|le) ha (resultado|parecido) útil "
    r"(este|esta) (artículo|noticia))\s*\??",
    r"(yes|oui|ja|sí|si)\s*/?\s*(no|non|nein)",
    # share widgets and cookie or newsletter lines in other languages
    r"(teilen|partager|compartir|condividi)( (sur|en|auf|su) \w+)?\s*:?",
    r"e-?mail|correo|courriel|drucken|imprimer|imprimir|copy link|link kopieren|copier le lien|"
    r"copiar enlace",
    r"(teilen|partager|compartir) (mit|avec|con) .{0,40}",
    r".{0,100}\b(verwendet|nutzt|utilise|utilisons|utiliza|utilizamos) (des )?cookies\b.{0,150}",
    r"(cookies? (akzeptieren|accepter|aceptar))|accept( all)?( cookies)?|reject( all)?|"
    r"alle akzeptieren|tout accepter|aceptar todo",
    r".{0,60}\b(inscrivez-vous|abonnez-vous|suscríbete|suscribirse) .{0,40}\b"
    r"(newsletter|lettre|boletín)\b.{0,60}",
    r"(jetzt )?(newsletter|boletín|lettre d['’]information)\b.{0,60}",
    # wiki navigation and server error messages a copy of the page keeps
    r"(wechseln zu|jump to|aller à|saltar a)\s*:.{0,60}",
    r"(warning|notice|strict standards|deprecated|fatal error|parse error): .{0,400}",
    # copyright lines, and cookie notices that go on to address the reader
    r".{0,120}\b(all rights reserved|alle rechte vorbehalten|tous droits réservés|"
    r"todos los derechos reservados|copyright ©?\s*(19|20)\d\d)\b.{0,200}",
    r".{0,100}\b(we|this|our|[\w-]+\.[a-z]{2,4})\b[^.]{0,40}\b(use|uses|using) cookies\b.{0,300}",
)

#: Calls to the reader that are furniture even when written as a sentence: a correction
#: prompt ("Found a mistake? Let us know", "See a typo? Send a fix here!") and a
#: newsletter sign-up ("For daily news, sign up for the Almanac newsletter.").
CALL_PATTERNS: tuple[str, ...] = (
    r".{0,80}\b(found|spotted|see|notice)d? (a|an) (mistake|typo|error)\s*\?.{0,60}",
    r"(report|submit) (a |an )?(correction|error|mistake|typo)\b.{0,40}",
    r"(fehler|tippfehler) (gefunden|entdeckt|melden)\b.{0,40}",
    r".{0,30}\b(repéré|trouvé|signaler) une (erreur|faute)\b.{0,40}",
    r".{0,30}\b(visto|encontrado|reportar) un (error|fallo)\b.{0,40}",
    r".{0,80}\b(sign up|subscribe|register)\b.{0,60}\bnewsletters?\b.{0,120}",
)
CALL_RE = line_pattern(CALL_PATTERNS)

#: A teaser for another story: a label and a colon, then that story's headline. The label
#: with its colon is never the story's own sentence, however long the headline after it.
TEASER_RE = re.compile(
    r"^\W*(?:read (?:more|also|next)|also read|see also|related|more on this|more:|"
    r"lesen sie (?:auch|mehr)|lies auch|mehr zum thema|auch interessant|lire (?:aussi|plus|"
    r"la suite)|à lire (?:aussi|également)|voir aussi|leer (?:más|también)|lea también|"
    r"ver también|te puede interesar)\s*:.{0,400}$",
    re.IGNORECASE,
)

#: The heading of a list of other stories: the lines after it are their headlines.
STORY_LIST_RE = re.compile(
    r"^\W*(?:most (?:read|popular|viewed|shared|commented)(?: (?:stories|articles|now|today|"
    r"this week))?|trending(?: now)?|popular(?: now| posts| stories)?|top stories|"
    r"latest (?:news|stories|posts)|recent posts|related (?:posts|articles|stories)|"
    r"meistgelesen|meist ?gelesen(?:e artikel)?|am meisten gelesen|beliebte (?:artikel|beiträge)|"
    r"neueste (?:beiträge|artikel)|les plus lus|les plus populaires|articles récents|"
    r"derniers articles|lo más (?:leído|visto)|más leídas?|entradas recientes|"
    r"últimas noticias|"
    # headings of related stories: "Read more:" alone, "You might also like"
    r"read (?:more|also|next)|also read|more (?:on this(?: story| topic)?|stories|from \w+)|"
    r"related(?: content| coverage| news)?|you (?:might|may) also (?:like|enjoy)|"
    r"recommended(?: for you| stories)?|lesen sie auch|mehr zum thema|"
    r"das könnte sie auch interessieren|weitere artikel|lire aussi|à lire aussi|"
    r"sur le même sujet|dans la même rubrique|te puede interesar|lee también|"
    r"también te puede interesar|noticias relacionadas|archivado en)\W*$",
    re.IGNORECASE,
)

#: An entry of a numbered list of headlines: "1. Title", "2 Title", "3) Title".
LIST_ENTRY_RE = re.compile(r"^\s*\d{1,2}\s*[.):]?\s+\S.{0,200}$")

#: A job title after a name on a byline without a label ("Sarah Kim, Staff Writer").
JOB_TITLE_RE = re.compile(
    r"^(?:(?:staff|senior|chief|contributing|political|business|foreign|science|sports?|"
    r"freie[rn]?|leitende[rn]?)\s+)?(?:writer|reporter|editor|correspondent|columnist|"
    r"contributor|journalist|redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?|journaliste|"
    r"rédact(?:eur|rice)|correspondante?|periodista|redactora?|corresponsal)$",
    re.IGNORECASE,
)

#: Notices that are furniture at any length up to `NOTICE_CHARS`: rights notices (a
#: photo credit "© Agency", "© 2025 Publisher. All rights reserved. ..."), cookie notices
#: and newsletter calls that run on over several sentences. A story's own sentence that
#: mentions such things is kept: see `is_reported_prose`.
NOTICE_PATTERNS: tuple[str, ...] = (
    r"\W{0,3}(©|\(c\)\s*(19|20)\d\d|copyright\s*(©|\(c\)|(19|20)\d\d)).*",
    r".{0,120}(©\s*(19|20)\d\d|(19|20)\d\d\s*©|all rights reserved|rechte vorbehalten|"
    r"tous droits réservés|derechos reservados|diritti riservati).*",
    r".{0,300}©.*",
    # a site or "we" using cookies: "This website uses cookies", "go.dev uses cookies"
    r".{0,100}\b(we|wir|nous|this|our|diese|unsere|ce|este|[\w-]+\.[a-z]{2,4})\b[^.]{0,40}"
    r"\b(use|uses|using|verwendet|verwenden|nutzt|nutzen|utilise|utilisons|utiliza|"
    r"utilizamos) (des |unsere )?cookies\b.*",
    r".{0,80}\b(sign up|subscribe|abonnieren sie|abonnez-vous|suscríbete)\b.{0,60}"
    r"newsletter.*",
)
NOTICE_RE = line_pattern(NOTICE_PATTERNS)
NOTICE_CHARS = 1000
#: What marks a line as a rights notice even when it reads as a sentence (a photo
#: credit in a caption: "Foto: Jo Roe, © European Union, CC0 1.0").
RIGHTS_LINE_RE = re.compile(
    r"©|^\W{0,3}copyright\b(?!\s+(?-i:[a-z]))|all rights reserved",
    re.IGNORECASE,
)
#: Forms of address the HTML rules' reader check (`rules.READER_ADDRESS_RE`) leaves out:
#: a notice that holds one speaks to the reader, whatever its length.
READER_RE = re.compile(r"\b(?:du|dir|deine?[mnrs]?|tu|tes|usted|nuestr[oa]s?)\b", re.IGNORECASE)

TEXT_FURNITURE_RE = line_pattern(TEXT_FURNITURE_PATTERNS)

#: A byline's label and where it sits: "By Jane Roe", "Posted on May 2 by John Doe",
#: "Von Max Muster", "Par Jean Dupont", "Por Juan Pérez", "Author: Jo Roe". The names
#: after it start with a capital letter; "By the end of the year" is prose.
BYLINE_LABEL_RE = re.compile(
    r"(?:^|[\s|·•,;–—-])(?i:(?:written |posted |published |geschrieben |verfasst |"
    r"veröffentlicht |écrit |publié |publiée |escrito |publicado |publicada )?"
    r"(?:by|von|par|por|door|di)|(?:author|autor|autorin|auteur|autora|autore)\s*:)"
    r"\s+(?=[A-ZÀ-ÞĀ-Ž])"
)

#: A byline's label at the start of a line, in any case ("by jane roe").
BYLINE_START_RE = re.compile(r"^\W*(?:by|von|par|por|door)\s+\S", re.IGNORECASE)

#: A time of day: a line that holds one is a date line or a list entry, never a headline.
TIME_RE = re.compile(
    r"\b\d{1,2}[:.]\d\d\s*(?:[ap]\.?m\b|uhr\b|h\b)|\b\d{1,2}:\d\d\b|\b\d{1,2} ?[ap]m\b", re.I
)

#: A byline's label alone on its line: the names follow on the next one.
BYLINE_ALONE_RE = re.compile(
    r"^\W*(?:(?:written|posted|reviewed|geschrieben|verfasst|écrit|escrito)\s+)?"
    r"(?:by|von|par|por)\s*:?$|^\W*(?:author|autor|autorin|auteur|autora)\s*:\s*$",
    re.IGNORECASE,
)

#: A date in digits ("17/11/2019", "05.01.2020"): a line that holds one is a date line.
NUMERIC_DATE_RE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}")

#: A date's or a section's label run into the name before it ("Jo RoePublished").
GLUED_LABEL_RE = re.compile(
    r"([a-zà-ÿ])(Published|Updated|Posted|Veröffentlicht|Publié|Publicado|"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d)"
)
#: A byline's label run into the name ("ByJane Roe").
GLUED_BYLINE_RE = re.compile(r"^(By|Von|Par|Por)(?=[A-ZÀ-Þ][a-zà-ÿ])")
#: Where a byline's names end: a date's label, a place or a section ("in Opinion").
NAMES_END_RE = re.compile(
    r"\s+(?:published|updated|posted|on|in|am|vom|um|le|el|veröffentlicht|publié|publicado|"
    r"aktualisiert|mis à jour|actualizado|"
    r"(?-i:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d))\b",
    re.IGNORECASE,
)

#: A year run into the word after it ("2020November", "2019Author").
GLUED_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)(?=[^\W\d_])")

#: Where a date line that also names its author splits: "1. Februar 2022, Jo Roe",
#: "Jo Roe am 18. September 2019", "23.06.2016 um 16:14 Uhr - Jo Roe - 91 Ergänzungen".
DATED_NAME_SPLIT_RE = re.compile(
    r"\s*[,|·•–—~/]\s*|\s+-\s+|\s+(?:am|on|le|el|um|vom|at)\s+", re.IGNORECASE
)

#: The words that label a date line: "Published March 3, 2025", "Publié le 3 mars 2025".
DATE_LABEL_RE = re.compile(
    r"^\W*(?:(?:post |article )?date|published|posted|dated|on|veröffentlicht|erschienen|publiziert|datum|stand|"
    r"vom|am|publié|publiée|mis en ligne|le|publicado|publicada|fecha|el|created|"
    r"erstellt)\b",
    re.IGNORECASE,
)

#: A date line of a later edit: read only when the text gives no other date.
UPDATED_RE = re.compile(
    r"^\W*(?:(?:last )?updated|modified|aktualisiert|zuletzt aktualisiert|geändert|"
    r"mis à jour|modifié|actualizado|modificado)\b",
    re.IGNORECASE,
)

#: Lines that start the trailing furniture of a scraped text, beside `rules.TRAILER_START_RE`.
TRAILER_START_RE = re.compile(
    r"^\s*(?:like this\s*:|gefällt mir\s*:|j['’]aime ça\s*:|me gusta esto\s*:|"
    r"share this\s*:|(?:\d+\s+)?(?:kommentare|commentaires|comentarios)\s*$|"
    r"kommentar verfassen|laisser un commentaire|deja una respuesta)",
    re.IGNORECASE,
)

#: The commonest short words of each language a news archive is likely to hold: a
#: scraped text's language is the one whose words it uses most (see `text.language`).
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(words.split())
    for language, words in {
        "en": "the and of to in is that for it was on with as by at from this have are",
        "de": "der die und das ist nicht ein eine den dem mit von auf für sich des im auch",
        "fr": "le la les et des est une dans pour que qui pas sur au du avec ce sont par",
        "es": "el la los las y de que en un una por con para es del se al lo como más",
        "it": "il di che e la per un una non sono della del con le gli nel alla ha",
        "nl": "de het een en van is dat op te in niet met voor zijn aan er ook door",
        "pt": "o a os as e de que em um uma para com não do da no na por se mais",
        "pl": "i w na z do się nie jest to że jak po za od ale tak czy dla",
    }.items()
}
#: Function words a text needs before its language is named, and how many times more
#: than the next language's it must have.
LANGUAGE_MIN_WORDS = 8
LANGUAGE_MARGIN = 1.5
