"""Matching a name typed in Cyrillic (Russian, Kazakh, Kyrgyz) or Latin against the MRZ name.

The MRZ name is the authority; nothing here ever replaces it. Passports spell the same Cyrillic name
in several ways: the ICAO 9303 Part 3 table (ЖАНЫЛ → ZHANYL, ЮЛИЯ → IULIIA), older Russian and
Soviet-era habits (YULIYA, DZHANIBEK, TCAPLIN), and Kazakh and Kyrgyz letters (Ғ G or GH, Ң N or NG,
Ө O, OE or the E of the russified form: Үсөнбаев is USENBAEV). Each letter therefore has a short list
of spellings, the ICAO one first, and a typed word matches an MRZ word when some choice of spellings
spells it exactly.

`name_matches_mrz` tries the choices letter by letter and never lists them, so it has no limit.
`mrz_name_variants` does list them, and the count grows as the product of the choices (Юлия alone
has 3 x 3 = 9); it returns the spellings with the fewest departures from ICAO first and stops at
`MAX_VARIANTS_PER_WORD` per word and `MAX_VARIANTS` per name.
"""

import heapq
import string
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import product

from tengri.core.errors import InvalidInput

MAX_VARIANTS_PER_WORD = 64
MAX_VARIANTS = 256
_TRIES_PER_VARIANT = 8

# ICAO 9303 Part 3 spelling first, then the common alternatives met in passports.
_CYRILLIC: dict[str, tuple[str, ...]] = {
    "А": ("A",),
    "Б": ("B",),
    "В": ("V",),
    "Г": ("G",),
    "Д": ("D",),
    "Е": ("E",),  # YE at the start of a word and after a vowel: see _spellings_at
    "Ё": ("E", "YO"),
    "Ж": ("ZH", "J", "DZH"),
    "З": ("Z",),
    "И": ("I",),
    "Й": ("I", "Y"),
    "К": ("K",),
    "Л": ("L",),
    "М": ("M",),
    "Н": ("N",),
    "О": ("O",),
    "П": ("P",),
    "Р": ("R",),
    "С": ("S",),
    "Т": ("T",),
    "У": ("U",),
    "Ф": ("F",),
    "Х": ("KH", "H"),
    "Ц": ("TS", "C", "TC"),
    "Ч": ("CH",),
    "Ш": ("SH",),
    "Щ": ("SHCH", "SCH"),
    "Ъ": ("IE", ""),
    "Ы": ("Y", "I"),
    "Ь": ("",),
    "Э": ("E",),
    "Ю": ("IU", "YU", "JU"),
    "Я": ("IA", "YA", "JA"),
    # Kazakh and Kyrgyz
    "Ә": ("A", "AE"),
    "Ғ": ("G", "GH"),
    "Қ": ("K", "Q"),
    "Ң": ("N", "NG"),
    "Ө": ("O", "OE", "E"),
    "Ұ": ("U",),
    "Ү": ("U", "UE"),
    "Һ": ("H",),
    "І": ("I",),
    # Ukrainian and Belarusian letters of the ICAO table, met in neighbours' passports
    "Ґ": ("G",),
    "Є": ("IE", "YE"),
    "Ї": ("I", "YI"),
    "Ў": ("U",),
}
_IOTATED_AFTER = frozenset("АЕЁИОУЫЭЮЯЪЬӘӨҰҮІ")  # Е sounds YE after these and at a word's start

# Two letters spelled together in ways their letters alone do not give: (extra spellings, word end only).
_PAIRS: dict[str, tuple[tuple[str, ...], bool]] = {
    "КС": (("X",), False),  # ALEXANDR
    "ИЯ": (("IA",), False),  # MARIA, YULIA
    "ИЙ": (("Y",), True),  # DMITRY
    "ЫЙ": (("Y",), True),  # BELY
}

# Latin letters ICAO 9303 Part 3 spells with two letters, and Kazakh Latin letters; other accents are dropped.
_LATIN: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"),
    "Ö": ("OE", "O"),
    "Ü": ("UE", "U"),
    "Å": ("AA", "A"),
    "Æ": ("AE",),
    "Ø": ("OE",),
    "Œ": ("OE",),
    "Þ": ("TH",),
    "Ð": ("D",),
    "Đ": ("D",),
    "Ł": ("L",),
    "Ş": ("SH", "S"),
    "Ç": ("CH", "C"),
    "Ğ": ("G", "GH"),
    "Ñ": ("N", "NG"),
}
_APOSTROPHES = frozenset("'’ʼ`ʹ")  # ICAO: omitted
_SEPARATORS = frozenset("-‐–—,.<")  # and white space. ICAO: a hyphen becomes a filler, i.e. a word break
# Russian patronymics, and Kazakh and Kyrgyz ones written as one word (Нұрланұлы, Асанбекуулу)
_PATRONYMIC_ENDINGS = ("ОВИЧ", "ЕВИЧ", "ЬИЧ", "ОВНА", "ЕВНА", "ИЧНА", "УЛЫ", "ҰЛЫ", "УУЛУ", "КЫЗЫ", "ҚЫЗЫ")
_PATRONYMIC_ENDINGS_LATIN = ("OVICH", "EVICH", "OVNA", "EVNA", "ICHNA", "ULY", "UULU", "KYZY")

Spellings = tuple[str, ...]


def mrz_name_variants(cyrillic: str) -> set[str]:
    """The ways an MRZ may spell `cyrillic` (upper case A-Z, words separated by one space).

    At most MAX_VARIANTS (at most MAX_VARIANTS_PER_WORD for each word), those with the fewest departures
    from the ICAO spelling kept first; the ICAO spelling is always one.
    Raises InvalidInput for a character that no MRZ can spell (a digit, a letter of another script).
    """
    spelled = [_best_first(_word_spellings(word), MAX_VARIANTS_PER_WORD) for word in _words(cyrillic)]
    # A word of only soft and hard signs may spell nothing: drop that spelling rather than leave a double space.
    words = [tuple(spelling for spelling in spellings if spelling) for spellings in spelled]
    return set(_best_first([spellings for spellings in words if spellings], MAX_VARIANTS, separator=" "))


def name_matches_mrz(typed: str, *, surname: str, given_names: str) -> bool:
    """Whether a typed full name is the MRZ name, surname first or last, in Cyrillic or Latin.

    A typed patronymic (Иванович, Нұрланұлы), which passports leave out of the MRZ, is allowed.
    A name with characters no MRZ can spell does not match.
    """
    mrz_surname, mrz_given = _mrz_words(surname), _mrz_words(given_names)
    words = _words(typed)
    try:
        typed_words = [_word_spellings(word) for word in words]
    except InvalidInput:
        return False
    for candidate in _without_one_patronymic(typed_words, words):
        for order in (mrz_surname + mrz_given, mrz_given + mrz_surname):
            if len(candidate) == len(order) and all(map(_spells, candidate, order)):
                return True
    return False


def _words(name: str) -> list[str]:
    cleaned = (
        "" if character in _APOSTROPHES else " " if character in _SEPARATORS or character.isspace() else character
        for character in unicodedata.normalize("NFC", name.upper())
    )
    return "".join(cleaned).split()


def _mrz_words(name: str) -> list[str]:
    return name.upper().replace("<", " ").split()


@lru_cache(maxsize=4096)  # bounded: words come from users
def _word_spellings(word: str) -> tuple[Spellings, ...]:
    """For each letter (or pair of letters) of `word`, the ways to spell it, most standard first."""
    spellings: list[Spellings] = []
    index = 0
    while index < len(word):
        pair = word[index : index + 2]
        extras, at_end_only = _PAIRS.get(pair, ((), False))
        if extras and (index + 2 == len(word) or not at_end_only):
            joined = ["".join(parts) for parts in product(_spellings_at(word, index), _spellings_at(word, index + 1))]
            spellings.append(tuple(dict.fromkeys([*joined, *extras])))
            index += 2
        else:
            spellings.append(_spellings_at(word, index))
            index += 1
    return tuple(spellings)


def _spellings_at(word: str, index: int) -> Spellings:
    letter = word[index]
    if letter == "Е" and (index == 0 or word[index - 1] in _IOTATED_AFTER):
        return ("E", "YE")
    if letter in _CYRILLIC:
        return _CYRILLIC[letter]
    if letter in _LATIN:
        return _LATIN[letter]
    base = "".join(part for part in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(part))
    if base and all(part in string.ascii_uppercase for part in base):
        return (base,)
    raise InvalidInput(f"{letter!r} cannot be spelled in a passport's machine-readable zone")


def _spells(spellings: tuple[Spellings, ...], target: str) -> bool:
    """Whether some choice of one spelling per position gives exactly `target`.

    Tracks the set of positions in `target` reachable so far, so the work stays linear in the word.
    """
    reachable = {0}
    for choices in spellings:
        reachable = {
            start + len(choice) for start in reachable for choice in choices if target.startswith(choice, start)
        }
        if not reachable:
            return False
    return len(target) in reachable


def _without_one_patronymic(
    typed_words: list[tuple[Spellings, ...]], words: list[str]
) -> Iterator[list[tuple[Spellings, ...]]]:
    """The typed words as they are, then without each word that looks like a patronymic."""
    yield typed_words
    for index, word in enumerate(words):
        if word.endswith(_PATRONYMIC_ENDINGS) or word.endswith(_PATRONYMIC_ENDINGS_LATIN):
            yield typed_words[:index] + typed_words[index + 1 :]


def _best_first(choices: list[Spellings] | tuple[Spellings, ...], limit: int, *, separator: str = "") -> list[str]:
    """Up to `limit` distinct joins of one choice per position, fewest departures from the first choices first.

    A best-first walk over choice indices (cost = sum of indices), so the cap keeps the most standard.
    Different choices can join to the same text (ЪЪ: IE + "" and "" + IE), so the walk also stops after
    `_TRIES_PER_VARIANT * limit` joins: a word of thirty Ъ has 2**30 choices but only 31 distinct spellings.
    """
    if not choices:
        return []
    start = (0,) * len(choices)
    frontier, seen = [(0, start)], {start}
    found: dict[str, None] = {}  # insertion-ordered set
    for _ in range(_TRIES_PER_VARIANT * limit):
        if not frontier or len(found) == limit:
            break
        cost, picks = heapq.heappop(frontier)
        found.setdefault(separator.join(options[pick] for options, pick in zip(choices, picks, strict=True)))
        for position, pick in enumerate(picks):
            if pick + 1 < len(choices[position]):
                successor = (*picks[:position], pick + 1, *picks[position + 1 :])
                if successor not in seen:
                    seen.add(successor)
                    heapq.heappush(frontier, (cost + 1, successor))
    return list(found)
