"""Reading the knowledge base and example phrases from files (the demo ships them).

An article is a Markdown file with a TOML header between ``+++`` lines::

    +++
    title = "When is my trash day?"
    tags = ["trash", "schedule"]
    service = "MISSED_TRASH"      # optional: the service the article is about
    +++

    Body in Markdown...

Its slug is the file name, its language the folder it sits in (``en/``, ``es/``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ARTICLES_DIR = DATA_DIR / "articles"
PHRASES_FILE = DATA_DIR / "phrases.toml"
EVAL_DIR = DATA_DIR / "eval"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class ContentError(ValueError):
    """A knowledge-base file that cannot be read; the message names the file."""


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    language: str
    title: str
    body: str
    tags: tuple[str, ...]
    service_code: str


def parse_article(text: str, slug: str, language: str) -> ArticleFile:
    if not SLUG_RE.match(slug):
        raise ContentError(f"{slug!r} is not a valid slug (lower-case letters, digits, hyphens)")
    match = re.match(r"\A\+\+\+\n(.*?)\n\+\+\+\n(.*)\Z", text, re.DOTALL)
    if not match:
        raise ContentError(f"{language}/{slug}.md has no +++ header")
    try:
        header = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{language}/{slug}.md: {exc}") from exc
    title = str(header.get("title", "")).strip()
    body = match.group(2).strip()
    if not title or not body:
        raise ContentError(f"{language}/{slug}.md needs a title and a body")
    tags = header.get("tags", [])
    if not isinstance(tags, list):
        raise ContentError(f"{language}/{slug}.md: tags must be a list")
    return ArticleFile(
        slug=slug,
        language=language,
        title=title,
        body=body,
        tags=tuple(str(t).strip() for t in tags if str(t).strip()),
        service_code=str(header.get("service", "")).strip(),
    )


def read_articles(directory: Path = ARTICLES_DIR) -> list[ArticleFile]:
    articles = []
    for path in sorted(directory.glob("*/*.md")):
        articles.append(
            parse_article(path.read_text(encoding="utf-8"), path.stem, path.parent.name)
        )
    return articles


def read_phrases(path: Path = PHRASES_FILE) -> dict[str, dict[str, list[str]]]:
    """``{service_code: {language: [phrase, ...]}}``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path.name}: {exc}") from exc
    return {
        code: {lang: [str(p) for p in phrases] for lang, phrases in by_language.items()}
        for code, by_language in data.items()
    }
