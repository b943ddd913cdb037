"""Vietnamese text helpers: NFC names and a folded form for searching."""

import unicodedata


def normalise_name(value: str) -> str:
    """NFC, single spaces, each word capitalised as Vietnamese names are written."""
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    return " ".join(word[:1].upper() + word[1:] for word in value.split(" "))


def fold(value: str) -> str:
    """Lower case without diacritics (đ → d): "Nguyễn Văn Đức" → "nguyen van duc"."""
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in value if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


# --- Vietnamese alphabetical order --------------------------------------------------------------
#
# The Vietnamese alphabet orders the letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x
# y (TCVN 5712; f j w z of foreign names take their Latin places). Letters are compared first, the
# tones only between otherwise equal words, in the order ngang, huyền, hỏi, ngã, sắc, nặng — the
# order of Vietnamese dictionaries and of the CLDR "vi" collation (a à ả ã á ạ).
# Names are sorted by given name, then middle names, then family name: "Trần Thị Bình" comes
# before "Nguyễn Văn Cường" because Bình < Cường.

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
#: One character per letter, ordered the same way in every collation (digits, then a-z: no
#: punctuation or case, which some database collations ignore or fold).
_SYMBOLS = "123456789abcdefghijklmnopqrstuvwxyz"
_LETTER_CODE = {letter: _SYMBOLS[i] for i, letter in enumerate(_ALPHABET)}
_END_OF_WORD = "0"
_SHAPE = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}  # breve, circumflex, horn
_TONE = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def _letters_and_tone(word: str) -> tuple[str, str]:
    """The word's letter codes and its tone digit (0: ngang)."""
    letters, tone = [], "0"
    for char in unicodedata.normalize("NFC", word.lower()):
        if char == "đ":
            letters.append(_LETTER_CODE["đ"])
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in marks:
            if mark in _TONE:
                tone = _TONE[mark]
            elif mark in _SHAPE:
                base = unicodedata.normalize("NFC", base + mark)
        code = _LETTER_CODE.get(base)
        if code is not None:  # digits, hyphens and apostrophes do not take part in the order
            letters.append(code)
    return "".join(letters), tone


def sort_key(full_name: str) -> str:
    """A key whose plain string order is the Vietnamese order of people's names.

    >>> sorted(["Nguyễn Văn Cường", "Trần Thị Bình", "Lê An"], key=sort_key)
    ['Lê An', 'Trần Thị Bình', 'Nguyễn Văn Cường']
    """
    words = full_name.split()
    if not words:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    parts = [_letters_and_tone(w) for w in ordered]
    return "".join(p[0] + _END_OF_WORD for p in parts) + "".join(p[1] for p in parts)
