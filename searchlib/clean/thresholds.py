"""The numbers the HTML cleaner decides by, kept as data beside the vocabulary in `rules`.

Sizes are characters of text unless a name says words; shares and densities are of an
element's text (a link density of 0.3 is 30% of its characters inside <a>). The numbers of
the scraped-text path live in `text_rules`.
"""

from __future__ import annotations

# --- The one walk over the page (`tree`) ---

#: Elements that broken markup left wrapping the rest of the page are unwrapped at most this
#: many times: a few suffice for a broken page, and each unwrap searches what the element
#: holds, so a bound keeps a page of thousands of nested buttons linear.
MAX_UNWRAPS = 5
#: An <article> shorter than this is a teaser card in a list, not the story.
TEASER_SIZE = 400

# --- Boilerplate removal (`prune`) ---

#: How many nodes into a section its first text is looked for, to see whether it is a
#: comment-section heading: a heading opens the section, and a bound keeps it cheap.
COMMENT_HEADING_NODES = 40
#: How far up an element's ancestors are followed (counting teaser cards, gathering
#: paragraph mass): pathological pages nest thousands deep, and the walk stays linear.
MAX_ANCESTORS = 40
#: A <nav>, <menu> or <noscript> holding more than this share of the page's text is broken
#: markup wrapping the page (an unclosed <nav>), not navigation.
NAV_SHARE = 0.5
#: A section headed "Comments" is a comment section from this size; a smaller one is a
#: comment count or a link in the story's own furniture, left to the line filters.
COMMENT_SECTION = 200
#: An element holding more than this share of the page's text is a layout wrapper whatever
#: its class says ("has-sidebar", "with-ads").
WRAPPER_SHARE = 0.6
#: An element named as a small widget (print, rating, ad slot) is dropped when it is
#: smaller than this, or when more than `WIDGET_LINKS` of its text is links; otherwise it
#: is the content around the widget ("entry-meta" wrapping a whole post).
WIDGET_SIZE = 500
WIDGET_LINKS = 0.3
#: A section named as navigation holds the article's text when it is at least this long,
#: with at most this share of it in links, and paragraphs.
PROSE_SECTION = 300
PROSE_SECTION_LINKS = 0.1
#: A <figure> smaller than this is an image with its caption, not a part of the story.
FIGURE_SIZE = 300
#: A page's <header>, <footer>, <aside> or <form> is link furniture when more than this share
#: of its text is links, or when it is smaller than `FURNITURE_SIZE`; an article's own
#: header (headline, standfirst) or a pull-quote is prose.
FURNITURE_LINKS = 0.25
FURNITURE_SIZE = 25

# --- Scoring paragraphs to find the article (`scoring`) ---

#: A block with less text of its own than this is no paragraph: it is not scored.
PARAGRAPH_SIZE = 25
#: A paragraph with more than this share of its own text in links is a link list: it adds
#: no prose mass.
PARAGRAPH_LINKS = 0.3
#: Readability's length bonus: a point per this many characters, up to `LENGTH_POINTS`.
LENGTH_POINT = 100
LENGTH_POINTS = 3.0
#: A long block counts as the paragraphs it holds: `LONG_BLOCK_POINTS` more for every
#: `LONG_BLOCK` characters, so a post typed as one <p> of text and <br>s outweighs a
#: sidebar widget of three short paragraphs.
LONG_BLOCK = 500
LONG_BLOCK_POINTS = 4.0
#: A paragraph's score goes to its parent, grandparent and great-grandparent, divided by
#: these: the nearer the ancestor, the surer it holds the story.
ANCESTOR_DIVISORS = (1, 2, 3)
#: What an element's class or id adds to its score when it names content ("article-body")
#: and takes away when it names boilerplate ("sidebar").
CLASS_WEIGHT = 25.0
#: What an element's tag adds to its score: containers of prose gain, lists, forms and
#: table headings lose (Readability's weights).
TAG_WEIGHT: dict[str, float] = {
    "article": 10.0, "main": 5.0, "div": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0,
    "blockquote": 3.0, "form": -3.0, "ol": -3.0, "ul": -3.0, "li": -3.0, "dl": -3.0,
    "dd": -3.0, "dt": -3.0, "address": -3.0, "th": -5.0,
}  # fmt: skip
#: A box this small around a paragraph, the rest of whose text is mostly links (a linked
#: headline, "Read more"), is a teaser card: an excerpt of another page.
CARD_SIZE = 500
CARD_LINKS = 0.5
#: How many levels above a paragraph its card box is looked for.
CARD_REACH = 3
#: How much a character of non-prose text (links, menus, short labels) costs against a
#: character of prose when choosing the article container.
NON_PROSE_COST = 1.0

# --- Choosing the article container (`container`) ---

#: A body the page marks (itemprop=articleBody) is trusted from this size; a smaller one
#: is a marked summary or a fragment.
MARKED_BODY = 250
#: Parts of a marked body are taken with their common parent (and the subheadings in it)
#: when that parent holds at most this share of their size plus `MARKED_PARENT_EXTRA`.
MARKED_PARENT_SHARE = 1.25
MARKED_PARENT_EXTRA = 200
#: A sibling of the best block continues the article when its own score reaches this
#: share of the best score, and at least `SIBLING_SCORE`.
SIBLING_SCORE_SHARE = 0.2
SIBLING_SCORE = 10.0
#: An unscored sibling continues the article when it is longer than this with a link
#: density under `SIBLING_LINKS`, or shorter, without links, and ending a sentence.
SIBLING_SIZE = 80
SIBLING_LINKS = 0.25
#: The page's one <main> is taken when the chosen block is under this share of it and
#: <main>'s link density is under `MAIN_LINKS`: the story sits in several boxes of it.
MAIN_SHARE = 0.5
MAIN_LINKS = 0.25
#: The standfirst is looked for only in an article holding at most this much beyond the
#: body: an ancestor holding more is the page.
LEAD_REACH = 1500
#: A block between headline and body is standfirst when at least this long, with a link
#: density under `LEAD_LINKS`; blocks are taken until `LEAD_SIZE` characters.
LEAD_BLOCK = 60
LEAD_LINKS = 0.2
LEAD_SIZE = 1000

# --- Block filters and the body's text (`blocks`, `body`) ---

#: A block of at most this many words without sentence punctuation is a label: a heading
#: or a caption.
LABEL_WORDS = 8
#: A block matching a boilerplate line is dropped up to this many words; a longer one is
#: prose that happens to begin like furniture.
BOILERPLATE_BLOCK_WORDS = 25
#: A block with more than this share of its text in links is a link list when it is
#: shorter than `LINK_BLOCK_WORDS` words or a list item or cell; above `LINK_LIST_SHARE`,
#: at any length.
LINK_BLOCK_SHARE = 0.5
LINK_BLOCK_WORDS = 40
LINK_LIST_SHARE = 0.8
#: A comment notice ("12 Comments") or a trailer's heading ("Related articles") is shorter
#: than this; a longer line that begins like one is the story's.
NOTICE_SIZE = 120
#: The same block text seen again is dropped when shorter than this: a repeated label or
#: caption, not a repeated paragraph.
REPEAT_SIZE = 200
#: Comment notices may cut the body once this much of it (or `TRAILER_EARLY_SHARE` of
#: it, if more) has gone by: a long comment thread can outweigh the article.
TRAILER_EARLY = 300
TRAILER_EARLY_SHARE = 0.1
#: Generic trailer headings ("Related") cut the body only past this share of it.
TRAILER_LATE_SHARE = 0.4
#: A line that starts the trailing furniture is shorter than this.
TRAILER_LINE = 400
#: A sentence that mentions comments after at least this many words is the story's
#: ("..., they ask it to add comments"); every notice speaks of comments sooner.
COMMENT_MENTION_WORDS = 8
#: A byline or date line is looked for in the body's first this many blocks, each at
#: most `HEADER_LINE` long.
HEADER_LINES = 4
HEADER_LINE = 100
#: A date line at the body's head holds at most this many words, its label and the names
#: of its month and weekday among them ("Published on Monday, May 3, 2009").
DATELINE_WORDS = 6
#: A body shorter than this from the chosen container is checked against the page's own
#: article markup, which replaces it when it gives `MARKED_GAIN` times as much, and at
#: least `MARKED_ARTICLE` characters.
SHORT_BODY = 500
MARKED_GAIN = 2
MARKED_ARTICLE = 200

# --- Headline and date near it (`html`) ---

#: The <h1>s offered as headline candidates: the first few; later ones head teasers.
HEADLINE_H1S = 5
#: The body's first line is looked for in its first `FIRST_BLOCKS` blocks, among the first
#: `FIRST_LINES` kept ones, past at most `FIRST_LINE_REACH` labels or date lines.
FIRST_BLOCKS = 20
FIRST_LINES = 4
FIRST_LINE_REACH = 3
#: A link text of at most this many words is navigation ("Sports", "Top Stories").
NAV_LINK_WORDS = 4
#: How far into a paragraph a date may start to be the story's dateline.
DATELINE_SPAN = 40
#: A block near the headline is a date or byline line when at most this long and of at
#: most `DATE_LINE_WORDS` words (a byline's names, a weekday and a month's name).
DATE_LINE = 150
DATE_LINE_WORDS = 10
#: A visible date is looked for in this much text from the headline; further down, dates
#: belong to teasers and lists.
DATE_REACH = 1500
