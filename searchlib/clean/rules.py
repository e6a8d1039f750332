"""Boilerplate rules, kept as data apart from the code that applies them.

Everything here is general web vocabulary (tag names, class/id tokens, text patterns
common to many sites and CMSs); nothing is keyed to one site or page.
"""

from __future__ import annotations

import re


def line_pattern(patterns: tuple[str, ...], edge: str = r"\s*") -> re.Pattern[str]:
    """One case-blind pattern for a whole line that matches any of `patterns`, with `edge`
    (white space by default) allowed before and after it."""
    either = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(f"^{edge}(?:{either}){edge}$", re.IGNORECASE)


#: Invisible characters that sit inside words: a soft hyphen (U+00AD), a word joiner or a
#: stray byte-order mark would split "Ita\u00adli\u00adens" into three words for the index.
INVISIBLE_CHARS = "\u00ad\u2060\ufeff"

#: Elements whose content is never article text.
DROP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "template", "iframe", "object", "embed", "svg",
        "canvas", "map", "button", "input", "select", "textarea", "option", "label",
        "menuitem", "dialog", "head", "meta", "link", "audio",
        "video", "source", "track", "picture", "img", "area", "frame", "frameset",
        "figcaption",
    }
)  # fmt: skip

#: Navigation and script fallbacks: dropped, unless broken markup left one wrapping most of
#: the page (an unclosed <nav> swallows everything after it; some pages sit in <noscript>).
NAV_TAGS: frozenset[str] = frozenset({"nav", "menu", "noscript"})

#: Elements that are boilerplate unless they are (or hold) the article itself.
WEAK_DROP_TAGS: frozenset[str] = frozenset({"aside", "footer", "header", "form"})

#: Elements never dropped for their class or id alone: boilerplate lives in containers,
#: and a paragraph or heading with an odd class ("nav_anchor_3") is usually the article.
CLASS_EXEMPT_TAGS: frozenset[str] = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
)

#: Block-level elements: each starts a new paragraph in the output.
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "li",
        "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th",
        "tbody", "thead", "tfoot", "caption", "figure", "figcaption", "address", "hr",
        "br", "center", "fieldset", "details", "summary", "header", "footer", "aside",
        "body", "html", "font",
    }
)  # fmt: skip

HEADING_TAGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

#: Paragraph-like elements whose text is scored when looking for the article.
SCORED_TAGS: frozenset[str] = frozenset({"p", "pre", "blockquote", "td", "li", "dd", "div", "font"})

#: class/id tokens that mark boilerplate. A token matches a whole word of the attribute
#: once it is split on -, _, space and camelCase (so "ad" does not match "header").
BOILERPLATE_TOKENS: frozenset[str] = frozenset(
    {
        # comments and comment forms (WordPress, Disqus, Jetpack, themes)
        "comment", "comments", "commentlist", "respond", "reply", "disqus", "discussion",
        "jetpack", "wpdiscuz", "commentform", "replies",
        # share / like / follow widgets
        "share", "sharing", "sharedaddy", "social", "socials", "sociable", "addthis",
        "shariff", "likes", "like", "follow", "print", "email", "bookmark",
        # consent, cookies, newsletter, paywall
        "cookie", "cookies", "consent", "gdpr", "newsletter", "subscribe", "subscription",
        "signup", "paywall", "optin", "popup", "modal", "overlay", "banner", "login",
        "register", "registration",
        # navigation and page furniture
        "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "pagination",
        "pager", "footer", "masthead", "sidebar", "toolbar",
        "skip", "skiplink", "topbar", "dropdown", "offcanvas", "sr",
        # related, most-read, trending, recommendations
        "related", "relatedposts", "recommended", "recommendation", "recommendations",
        "popular", "mostread", "trending",
        "readmore", "outbrain", "taboola", "promo", "promotion", "sponsored", "sponsor",
        "partner", "partners", "affiliate",
        # ads
        "ad", "ads", "adv", "advert", "advertisement", "advertising", "adsense", "dfp",
        "adslot", "adunit", "billboard", "commercial",
        # author bios, tags, meta rows
        "bio", "biography", "authorbox", "byline", "meta", "postmeta", "tags",
        "tagcloud", "categories", "category", "copyright", "disclaimer", "credits",
        "caption", "rating", "vote", "poll",
    }
)  # fmt: skip

#: class/id tokens of a comment section: boilerplate whatever the section holds.
COMMENT_TOKENS: frozenset[str] = frozenset(
    {"comment", "comments", "commentlist", "respond", "disqus", "wpdiscuz", "commentform",
     "replies", "discussion"}
)  # fmt: skip

#: Tokens of small widgets (a print button, an ad slot, a rating). An element so named that
#: holds a long stretch of prose is the content around the widget: "print-section",
#: "Section--Ads" on the sections of a review, "entry-meta" wrapping a whole post.
WIDGET_TOKENS: frozenset[str] = frozenset(
    {
        "print", "email", "like", "likes", "follow", "bookmark", "rating", "vote", "poll",
        "meta", "ad", "ads", "adv", "commercial", "caption", "credits",
    }
)  # fmt: skip

#: Tokens of link furniture (menus, in-page navigation, skip links). An element so named
#: whose text is paragraphs with few links is a section of the article that the page's
#: table of contents points to ("content-nav-section", "skip-item").
LINK_FURNITURE_TOKENS: frozenset[str] = frozenset(
    {"nav", "navbar", "navigation", "menu", "skip", "skiplink", "dropdown", "toolbar"}
)

#: Multi-word class/id fragments (matched on the joined, lower-cased attribute).
BOILERPLATE_SUBSTRINGS: tuple[str, ...] = (
    "comment-respond", "comment-form", "comments-area", "comment-list", "most-read",
    "mostread", "most-popular", "mostpopular", "read-more", "readmore", "related-",
    "-related", "share-", "-share", "social-", "newsletter", "cookie", "consent",
    "author-bio", "author-box", "authorbox", "about-author", "about-the-author",
    "author-description", "author__description", "author-info", "author__info",
    "post-navigation", "postnav", "screen-reader", "visually-hidden", "visuallyhidden",
    "sr-only", "breadcrumb", "sidebar", "site-footer", "site-header", "page-footer",
    "advert", "adsbygoogle", "ad-container", "ad-slot", "ad-wrapper", "adwrapper",
    "sponsored", "promo", "subscribe", "paywall", "signup", "sign-up", "trending",
    "recirc", "more-stories", "morestories", "you-may-like", "also-read", "jp-relatedposts",
    # marked to be left out of print: page furniture by the site's own account
    "noprint", "no-print", "hidden-print", "print-none", "print-hide", "hide-print",
)  # fmt: skip

#: class/id tokens that mark the article itself; they protect a node from removal.
CONTENT_TOKENS: frozenset[str] = frozenset(
    {
        "article", "content", "entry", "post", "story", "text", "body", "main",
        "articlebody", "storybody", "entrycontent", "postcontent", "articletext",
        "storytext", "blogpost", "news",
    }
)  # fmt: skip

#: Roles that mark boilerplate.
BOILERPLATE_ROLES: frozenset[str] = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "menu",
     "menubar", "alert", "alertdialog", "form", "toolbar"}
)  # fmt: skip

#: Selectors (as attribute tests) that mark the article body on well-marked-up pages.
ARTICLE_HINTS: tuple[tuple[str, str], ...] = (
    ("itemprop", "articleBody"),
    ("itemprop", "articlebody"),
    ("property", "articleBody"),
    ("itemprop", "text"),
)

#: Lines or short blocks that are boilerplate wherever they appear: comment prompts,
#: share prompts, consent and newsletter calls, navigation words, copyright lines.
BOILERPLATE_LINE_PATTERNS: tuple[str, ...] = (
    r"please enter your (comment|name|email|e-mail)( address)?( here)?[!.]?",
    r"(you have entered an incorrect email address|save my name,? email,? and website .*)",
    r"leave a (reply|comment)( cancel reply)?.*",
    r"(post|add|write|submit) (a |your )?comments?[.!:]?",
    r"cancel reply",
    r"(\d+\s+)?(comments?|responses?|replies)( so far)?[.:]?",
    r"(no|be the first to) comments?( yet)?.*",
    r"log ?in to (reply|comment).*",
    r"your email address will not be published.*",
    r"required fields are marked.*",
    r"notify me of (new|follow-up) (posts|comments).*",
    r"this site uses akismet.*",
    r"(share|like)( this| this article| this story| on)?( \w+)?[:!]?",
    r"(share|tweet|email|print|pin|whatsapp)( (on|via) \w+)?",
    r"(click|tap) to (share|print|email).*",
    r"(facebook|twitter|linkedin|pinterest|whatsapp|reddit|email|print|telegram|x)"
    r"([\s,|/·•]+(facebook|twitter|linkedin|pinterest|whatsapp|reddit|email|print|telegram|x))*",
    r"follow us( on)?.*",
    r"(sign up|subscribe)( now)? (for|to) (our|the) (free )?(newsletter|daily|weekly).*",
    r"subscribe( now| today)?[.!]?",
    r"(we use|this (web)?site uses) cookies.*",
    r"(accept|reject|manage)( all)? cookies.*",
    r"(read|see|view) (more|also|next|the full story)[:.!]?.*",
    r"(related|more|top|latest|recommended|popular|trending)"
    r" (stories|articles|posts|news|reads|videos)[:]?",
    r"most (read|popular|viewed|shared|commented)[:]?",
    r"advertisement|sponsored( content)?|ad",
    r"skip to (main )?(content|navigation).*",
    r"(back to )?top( of page)?",
    r"(©|\(c\)|copyright(?!\s+(?-i:[a-z])))\s.*",  # not "Copyright holders said …"
    r"all rights reserved\.?.*",
    r"loading( comments)?\.*",
    r"(previous|next) (article|post|story)[:]?.*",
    r"tags?:.*",
    r"filed under:?.*",
    r"(image|photo|picture) (credit|source):.*",
    r"(show|hide|load) (more )?comments.*",
    r"(report|reply|quote)( this)?( comment)?",
    r"tagged( with)?:?.*",
    r"(posted|filed) in:?.*",
    r"(you|that) (may|might) also (like|enjoy|be interested in).*",
    r"(more|read) on this( topic)?:?",
    r"(continue|keep) reading.*",
    r"(was this|is this|did you find this) (article|page|post|story) (useful|helpful).*",
    r"[(\[]?(photo|image|picture|foto|bild|quelle|source|credit|abbildung|fotos?)s?:.{0,80}",
    r".{0,150}(©|\(c\)) ?[\w .,&/-]{2,60}",
    r"follow (us|@?[\w.]+( [\w.]+){0,3}) on (twitter|facebook|instagram|x|linkedin|tiktok|youtube).*",
    r".{0,200}\b(sign up|subscribe|register) (now |today |here )?(for|to) (our|the|a) .{0,40}"
    r"(newsletter|edition|briefing|digest|updates|emails?|alerts?)\b.*",
    r".{0,150}\b(newsletter|posteingang|inbox)\b.{0,150}",
    r".{0,60}\b(affiliate links?|sponsored (post|content)|paid (post|partnership))\b.{0,120}",
    r"(inhaltsverzeichnis|table of contents|contents)",
    r"(latest|top|more) (on|from|in)( \w+){0,3}:?",
    # The same furniture in the other languages common in news archives.
    r"(ähnliche|verwandte|weitere) (beiträge|artikel|themen|nachrichten).*",
    r"(auch|ebenfalls) interessant:?.*",
    r"(das|dieses thema|diese themen|folgendes) (könnte|dürfte) (dich|sie) auch interessieren:?.*",
    r"(mehr|weiter)(lesen| zum thema:?)|weiterlesen|mehr dazu:?|zum artikel",
    r"(schlagworte|schlagwörter|stichworte|themen):?.*",
    r"(kommentare?|kommentieren|kommentar schreiben)( schreiben)?:?.*",
    r"(teilen|drucken|empfehlen|twittern)( sie)?( diesen artikel| auf \w+)?:?",
    r"((möchten|wollen) sie |willst du )?(den|diesen) (artikel|beitrag)( mit anderen)? teilen.{0,40}",
    r"(war|ist) (der|dieser) (artikel|beitrag) (nützlich|hilfreich|interessant)\??",
    r"(newsletter|jetzt) (abonnieren|bestellen|anmelden).*",
    r"(lade|laden) (weitere|mehr) (inhalte|artikel|beiträge).*",
    r"anzeige|werbung|- ?anzeige ?-",
    r"(en savoir plus|lire (aussi|la suite|plus)|à lire aussi|partager|voir aussi).*",
    r"(leer|ver) (más|también).*|compartir|artículos relacionados.*|noticias relacionadas.*",
    r"(leggi|vedi) anche.*|articoli correlati.*|condividi",
    r"(czytaj|zobacz) (też|także|więcej).*|udostępnij",
)

#: The patterns are matched in two parts. Those that look for their words anywhere in a
#: line (".{0,150}newsletter") make the engine try each of a line's first 150
#: characters in turn, most of the time spent on a line that is prose: each needs one
#: of `_SCANNED_WORDS` in the line, and is tried only then.
_SCANNING = tuple(p for p in BOILERPLATE_LINE_PATTERNS if p.startswith(".{0,"))
_SCANNING_RE = line_pattern(_SCANNING)
_DIRECT_RE = line_pattern(tuple(p for p in BOILERPLATE_LINE_PATTERNS if p not in _SCANNING))
_SCANNED_WORDS = (
    "(c)", "sign up", "subscribe", "register", "newsletter", "posteingang", "inbox",
    "affiliate", "sponsored", "paid",
)  # fmt: skip


def is_boilerplate_text(text: str) -> bool:
    """Whether `text` is a whole line of `BOILERPLATE_LINE_PATTERNS` (case-blind, white
    space around it allowed), the scanning patterns tried only on a line that holds one
    of their words. (A line that is not ASCII is matched as the patterns do, case-blind
    in Unicode's way: "ſ" is an "s" there.)"""
    if _DIRECT_RE.match(text):
        return True
    if text.isascii():
        low = text.lower()
        if not any(word in low for word in _SCANNED_WORDS):
            return False
    return _SCANNING_RE.match(text) is not None


#: Words that address the reader, or an imperative that opens furniture: a page's own
#: calls ("Get our newsletter in your inbox", "Follow us", "Be the first to comment").
#: News prose is written in the third person, so a sentence without them that merely
#: mentions a newsletter, a comment or a copyright is the story's, never furniture.
READER_ADDRESS_RE = re.compile(
    r"\b(?:you|your|yours|you're|we|our|us|me|my|dich|dein|ihr|sie|unser|vous|votre|nous|"
    r"notre)\b|^\W*(?:be the first|click|tap|sign (?:up|in)|log ?in|subscribe|follow|share|"
    r"join|leave|download|get|register|please|see|view|skip|back to|loading)\b",
    re.IGNORECASE,
)

#: A rights notice ("Copyright 2008 The Associated Press. All rights reserved.") is
#: written in the third person but is never the story's.
RIGHTS_NOTICE_RE = re.compile(
    # "Copyright holders said …" is a story's sentence; "Copyright 2008 The Associated
    # Press" and "Copyright © …" are notices.
    r"©|\(c\)|^\W*copyright\b(?!\s+(?-i:[a-z]))|\bcopyright\s*(?:\(c\)|\d{4})|"
    r"\ball rights reserved\b|\blicensed to\b",
    re.IGNORECASE,
)

#: A line is prose, whatever boilerplate words it holds, from this many words when it
#: ends a sentence and does not address the reader.
PROSE_WORDS = 8

#: Lines that only ever start the trailing furniture of a scraped page: once one of these
#: appears after the body, everything after it is dropped.
TRAILER_START_RE = re.compile(
    r"^\s*(?:leave a (?:reply|comment)|(?:\d+\s+)?comments?\s*$|related (?:articles|posts|"
    r"stories)|you (?:may|might) also like|more from|recommended for you|"
    r"please enter your comment|(?:ähnliche|verwandte|weitere) (?:beiträge|artikel)|"
    r"(?:das|dieses thema) könnte (?:dich|sie) auch interessieren|auch interessant|"
    r"(?:\d+\s+)?kommentare\s*$|à lire aussi|articles similaires|artículos relacionados|"
    r"noticias relacionadas|articoli correlati)",
    re.IGNORECASE,
)

#: Attribute text (class and id, lower-cased) that marks a comment section in any of the
#: common languages, including run-together names ("articoloCommento", "usercomments").
COMMENT_ATTR_RE = re.compile(
    r"comment(?!ary)|komment|comentario|commento|commentaire|disqus|wpdiscuz|"
    r"talkback|reader-?(?:comment|response)|user-?(?:comment|response)|discussion-?(?:thread|list)"
)

#: The heading of a comment section ("Comments (12)", "What you think...", "Have your
#: say"): a container whose first text is this is the comment section, however named.
COMMENT_HEADING_RE = re.compile(
    r"^(?:(?:\d+\s+)?(?:(?:reader|user|readers'?)\s+)?(?:comments?|responses?|replies)|"
    r"(?:your|reader|readers'?)\s+(?:comments|views|reactions|responses)|"
    r"what (?:do )?you think|have your say|your say|leave a (?:reply|comment)|"
    r"join the (?:discussion|conversation|debate))[\s.:!?…()\d]*$",
    re.IGNORECASE,
)

#: A comment signature or a comment-section notice: once one appears in the second half of
#: an article, the rest is the comment section.
COMMENT_START_RE = re.compile(
    r"^\s*(?:(?:\d+\s+)?(?:reader\s+)?comments?(?:\s*\(\d+\))?\s*(?:so far)?[.:!]*\s*$|"
    r"(?:\d+\s+)?(?:responses?|replies|thoughts) (?:to|on) .{0,120}$|"
    r"(?:post|add|leave|write|submit|read|view|show)(?:ing)? (?:a |your |all |the )?(?:new )?"
    r"comments?\b.{0,200}$|"
    r"(?:have your say|join the (?:discussion|conversation|debate)|what do you think\??|"
    r"reader (?:comments|reactions|responses)|your (?:comments|views|reaction)s?:?)\s*.{0,120}$|"
    r"(?:the )?comments? (?:above|below) .{0,250}$|thanks for your comments?.{0,200}$|"
    r"(?:note:\s*)?(?:you (?:will be asked|must|need) to|please) (?:sign in|log ?in|register)"
    r".{0,200}$|"
    r"(?:note:\s*)?please (?:post|keep|read) (?:your )?comments?.{0,400}$|"
    r"want comments .{0,200}$|"
    r"\(?(?:please )?note:? .{0,80}comment.{0,400}$|"
    r"(?:do you have|any) comments? (?:on|about) this.{0,80}$|"
    r"comments? (?:are|is|have|has)(?: now)?(?: been)? (?:closed|disabled).{0,80}$|"
    r"(?:[\w'’]+\s+){0,3}comments?:?\s*$|"
    r"your (?:name|e-?mail)\b.{0,100}$|"
    r".{0,150}\b(?:post|leave|add|submit|write|read)(?:ing)? (?:a |your |their |all )?"
    r"comments?\b.{0,400}$|"
    r".{0,80}\b(?:have your say|comment (?:moderation|policy|guidelines))\b.{0,200}$|"
    r"(?:posted|submitted|written) by:?\s.{1,80}(?:\||\bon\b|\bat\b).{0,40}\d.{0,40}$)",
    re.IGNORECASE,
)

#: Strings that separate a headline from the site name in a <title>.
TITLE_SEPARATORS: tuple[str, ...] = (
    " | ", " - ", " – ", " — ", " -- ", " :: ", " : ", " · ", " • ", " » ", " / ",
)  # fmt: skip
#: A title part that is a date, a time or a byline and nothing else, never a headline:
#: "01-14-2008 15:45", "Thu, January 10, 2008", "Last updated at 8:37 AM on 18/01/08".
DATE_ONLY_RE = re.compile(
    r"^[\W\d_]*(?:(?:(?:last\s+)?updated|published|posted|on|at|am|pm|a\.m|p\.m|[ap]m|gmt|utc|"
    r"[ecmp][sd]?t|cet|us/eastern|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b[\W\d_]*)*$",
    re.I,
)

#: Meta tag names (name= or property=) for each metadata field, most trusted first.
META_TITLE: tuple[str, ...] = ("og:title", "twitter:title", "dc.title", "headline", "title")
META_DATE: tuple[str, ...] = (
    "article:published_time", "og:article:published_time", "datepublished",
    "publishdate", "pubdate", "publish-date", "publish_date", "date", "dc.date",
    "dc.date.issued", "dcterms.created", "dcterms.date", "sailthru.date",
    "parsely-pub-date", "article.published", "published-date", "og:published_time",
    "citation_publication_date", "cxenseparse:recs:publishtime", "article_date_original",
    "originalpublicationdate", "date.release", "dc.date.created", "timestamp",
    "article:modified_time", "og:updated_time", "lastmod", "last-modified",
)  # fmt: skip
#: Other meta names that hold a publication date ("NBDATE", "dateofpublication",
#: "t_omni_pubdate"); not those of later edits or of expiry.
META_DATE_NAME = re.compile(r"^[\w.-]*date[\w.-]*$", re.I)
#: Not a namespaced field (zdf:publicationDate, read by the list above when it counts),
#: nor a date of creation, upload, edit or expiry.
META_NOT_PUBLISHED = re.compile(
    r"modif|revis|updat|expir|last|change|valid|review|birth|creat|upload", re.I
)
META_AUTHOR: tuple[str, ...] = (
    "author", "article:author", "dc.creator", "dc.creator.aut", "sailthru.author",
    "parsely-author", "byl", "twitter:creator", "citation_author", "dcterms.creator",
)  # fmt: skip
META_SITE: tuple[str, ...] = ("og:site_name", "application-name", "twitter:site", "publisher")
#: Tag fields written for one article, preferred to the keywords meta, which many sites
#: fill with the same site-wide list on every page.
META_TAGS: tuple[str, ...] = ("news_keywords", "article:tag", "parsely-tags")
META_KEYWORDS: tuple[str, ...] = ("keywords",)
META_LANGUAGE: tuple[str, ...] = ("og:locale", "content-language", "language", "dc.language")

#: A visible byline: "By Jane Doe and John Roe".
BYLINE_RE = re.compile(
    r"^\s*(?i:by|von|par|por|di|door|av|af)\s+"
    r"(?P<names>[A-ZÀ-Þ][\w.'’\-]+(?:\s+[A-ZÀ-Þ\w.'’\-]+){0,3}"
    r"(?:\s*(?:,|and|&|und|et|y|e)\s*[A-ZÀ-Þ][\w.'’\-]+(?:\s+[A-ZÀ-Þ\w.'’\-]+){0,3}){0,4})",
)

#: Class/id/rel/itemprop tokens marking author names in the page.
AUTHOR_HINTS: tuple[str, ...] = ("author", "byline", "writer", "creator")
#: Class and id words of elements that show the publication date (a short line with digits).
DATE_HINTS: tuple[str, ...] = (
    "date", "time", "posted", "publish", "publica", "pubdate", "dateline", "byline", "datum", "fecha",
    "data", "meta", "info", "stamp",
)  # fmt: skip
