"""The text the public guide searches (办事指南检索): names, keywords and their pinyin.

People look for 营业执照 where the catalogue says 有限责任公司登记, or type ``yyzz`` on a phone. An item stores its
search text once, when it is saved; the guide then matches every search word with one ILIKE over that column.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

KEYWORD_SEPARATORS = re.compile(r"[,，;；、\n\r]+")
KEYWORD_JOINER = "，"
_SPACES = re.compile(r"\s+")


def split_keywords(text: str | None) -> list[str]:
    """Keywords as typed (separated by commas, semicolons, 、 or line breaks), trimmed, each once, in order."""
    seen: dict[str, None] = {}
    for raw in KEYWORD_SEPARATORS.split(text or ""):
        word = _SPACES.sub(" ", raw).strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def join_keywords(text: str | None) -> str:
    """The stored form of keywords: :func:`split_keywords` joined by a Chinese comma."""
    return KEYWORD_JOINER.join(split_keywords(text))


def _pinyin(text: str) -> tuple[str, str]:
    """Full pinyin and initials of the Chinese characters of ``text`` (other characters are left out)."""
    syllables = lazy_pinyin(text, errors="ignore")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables), "".join(initials)


def item_search_text(name: str | None, keywords: str | None) -> str:
    """Name and keywords, each with its full pinyin and its initials, lower case, separated by spaces: for
    营业执照 the text holds ``营业执照 yingyezhizhao yyzz``."""
    parts: list[str] = []
    for phrase in [name or "", *split_keywords(keywords)]:
        phrase = _SPACES.sub(" ", phrase).strip()
        if not phrase:
            continue
        full, initials = _pinyin(phrase)
        parts.append(phrase)
        parts.extend(p for p in (full, initials) if p)
    return " ".join(parts).lower()


def search_words(query: str) -> list[str]:
    """The words of a search (split at spaces), lower case, at most five."""
    return [w.lower() for w in query.split()][:5]
