"""English / Bahasa Indonesia: one translation mechanism for the report, dashboard, workbooks and CLI.

Messages are written in English in the code and translated through a gettext catalogue,
``analysis/locale/<lang>/LC_MESSAGES/maturasi.po``, read with Babel (no compile step: the ``.po``
file is the catalogue). Numbers are formatted with Babel's CLDR locale data, so Indonesian output
uses a comma for decimals and a dot between thousands (``1.234,5``).

Examples
--------
>>> gettext("Rank", "id")
'Peringkat'
>>> bilingual("Rank")
'Peringkat / Rank'
>>> format_number(1234.5, "id", 1)
'1.234,5'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ._errors import InputError

__all__ = ["LANGS", "check_lang", "gettext", "translator", "bilingual", "format_number", "catalogue",
           "untranslated"]

LANGS = ("en", "id")
_LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_CLDR = {"en": "en", "id": "id_ID"}


def check_lang(lang: str | None) -> str:
    """Return ``lang`` ("en" or "id"; ``None`` means "en"), or raise :class:`InputError` naming it."""
    lang = "en" if lang is None else str(lang).strip().lower()
    if lang not in LANGS:
        raise InputError(f"unknown language '{lang}': use en (English) or id (Bahasa Indonesia)", column="lang")
    return lang


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` as ``{English msgid: translation}`` (empty for English).

    Entries without a translation or marked fuzzy are left out, so :func:`gettext` falls back to
    the English text for them, as GNU gettext does.
    """
    from babel.messages.pofile import read_po

    lang = check_lang(lang)
    if lang == "en":
        return {}
    path = _LOCALE_DIR / lang / "LC_MESSAGES" / "maturasi.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=_CLDR[lang])
    return {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def gettext(message: str, lang: str | None = "en") -> str:
    """``message`` (English) in ``lang``; the English text when the catalogue has no translation."""
    return catalogue(check_lang(lang)).get(message, message)


def translator(lang: str | None):
    """A ``_(message)`` function for ``lang``, in the style of :func:`gettext.translation`."""
    lang = check_lang(lang)
    return lambda message: gettext(message, lang)


def bilingual(message: str, sep: str = " / ") -> str:
    """``"<Bahasa Indonesia> / <English>"``, or the English text alone when both read the same."""
    ind = gettext(message, "id")
    return message if ind == message else f"{ind}{sep}{message}"


def format_number(value: float | int | None, lang: str | None = "en", decimals: int = 2) -> str:
    """``value`` with ``decimals`` decimals in the conventions of ``lang`` ("–" when missing).

    Uses CLDR patterns through :func:`babel.numbers.format_decimal`: ``1,234.50`` in English,
    ``1.234,50`` in Bahasa Indonesia.
    """
    import math

    from babel.numbers import format_decimal

    lang = check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_CLDR[lang], decimal_quantization=True)


def untranslated(messages, lang: str = "id") -> list[str]:
    """The messages of ``messages`` that have no translation in ``lang`` (for tests)."""
    cat = catalogue(lang)
    return [m for m in messages if m not in cat]
