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
