"""Which natural language a text is written in.

A text whose words are mostly English function words is English at once; any other is named by
py3langid's model (which ships its own data, and takes about a second to load).

>>> detect("We collect your e-mail address when you register, and we share it with our processors.")
'en'
"""

from __future__ import annotations

import re

import py3langid

SUPPORTED = ("en",)
NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "nb": "Norwegian", "fi": "Finnish",
    "pl": "Polish", "cs": "Czech", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "ja": "Japanese",
    "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "el": "Greek", "hu": "Hungarian",
    "ro": "Romanian", "id": "Indonesian", "vi": "Vietnamese", "th": "Thai", "hi": "Hindi",
}
SAMPLE = 20_000  # characters read: enough for any policy's language, and quick
MIN_LETTERS = 40  # below this a text is too short to tell
# the commonest English function words; in English prose they are a third or more of the words
_ENGLISH = frozenset((
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "with", "by", "on", "are", "be",
    "this", "or", "you", "your", "we", "our", "us", "not", "from", "at", "have", "has", "may", "will", "can",
    "which", "any", "all", "when", "if", "such", "these", "their", "they", "other", "those", "its", "an",
))
ENGLISH_SHARE = 0.2


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or None when it is too short to tell."""
    sample = text[:SAMPLE]
    if len(re.findall(r"[^\W\d_]", sample)) < MIN_LETTERS:
        return None
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if sum(w in _ENGLISH for w in words) >= ENGLISH_SHARE * len(words):
        return "en"
    lang, _ = py3langid.classify(sample)
    return str(lang)


def name(code: str) -> str:
    """The English name of a language code (the code itself when unknown)."""
    return NAMES.get(code, code)


def unsupported(text: str) -> str | None:
    """The name of the language of ``text`` when flowaudit does not read it, else None."""
    code = detect(text)
    return None if code is None or code in SUPPORTED else name(code)
