import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tengri.core.errors import InvalidInput
from tengri.documents.translit import MAX_VARIANTS, MAX_VARIANTS_PER_WORD, mrz_name_variants, name_matches_mrz


@pytest.mark.parametrize(
    ("cyrillic", "icao", "others"),
    [
        ("Ғалымжан", "GALYMZHAN", {"GALIMZHAN", "GALYMJAN", "GHALYMZHAN"}),
        ("Нұрлан", "NURLAN", set()),
        ("Жаңыл", "ZHANYL", {"ZHANGYL", "JANYL"}),
        ("Үсөнбаев", "USONBAEV", {"USENBAEV", "USONBAYEV"}),  # the russified Усенбаев is USENBAEV
        ("Щербаков", "SHCHERBAKOV", {"SCHERBAKOV"}),
        ("Юлия", "IULIIA", {"YULIYA", "JULIJA", "YULIA", "IULIA"}),
        ("Елена", "ELENA", {"YELENA"}),
        ("Андреев", "ANDREEV", {"ANDREYEV"}),
        ("Пётр", "PETR", {"PYOTR"}),
        ("Хасанов", "KHASANOV", {"HASANOV"}),
        ("Цой", "TSOI", {"TSOY", "COI", "TCOI"}),
        ("Дмитрий", "DMITRII", {"DMITRIY", "DMITRY"}),
        ("Александр", "ALEKSANDR", {"ALEXANDR"}),
        ("Объедков", "OBIEEDKOV", {"OBEDKOV", "OBYEDKOV"}),
        ("Ольга", "OLGA", set()),
        ("Рыспаев", "RYSPAEV", {"RISPAEV", "RYSPAYEV"}),
        ("Әлия", "ALIIA", {"AELIYA", "ALIA"}),
        ("Қайрат", "KAIRAT", {"QAIRAT", "KAYRAT"}),
        ("Өмірзақ", "OMIRZAK", {"OEMIRZAQ"}),
        ("Ұлжан", "ULZHAN", set()),
        ("Күлпаш", "KULPASH", {"KUELPASH"}),
        ("Һидаят", "HIDAIAT", {"HIDAYAT"}),
        ("Жәнібек", "ZHANIBEK", {"DZHANIBEK", "JANIBEK"}),
        ("Анна-Мария", "ANNA MARIIA", {"ANNA MARIA"}),
        ("д'Артаньян", "DARTANIAN", {"DARTANYAN"}),
    ],
)
def test_variants_include_the_icao_spelling_and_the_usual_ones(cyrillic, icao, others):
    variants = mrz_name_variants(cyrillic)
    assert icao in variants
    assert others <= variants


def test_variants_are_upper_case_latin_with_single_spaces():
    for variant in mrz_name_variants("  Нұрланұлы   Ғалымжан\tЖаңыл-Қызы "):
        assert re.fullmatch(r"[A-Z]+( [A-Z]+)*", variant), variant


def test_latin_names_pass_through():
    assert mrz_name_variants("Anna  Maria O'Neil") == {"ANNA MARIA ONEIL"}
    assert mrz_name_variants("Jürgen") == {"JUERGEN", "JURGEN"}


def test_the_number_of_variants_is_capped_and_keeps_the_icao_spelling_first():
    long_name = "Жанұзақ Щербакова-Юлиянова Ёжикова Хайрүллаева Цөйжүнова"
    variants = mrz_name_variants(long_name)
    assert len(variants) == MAX_VARIANTS
    assert "ZHANUZAK SHCHERBAKOVA IULIIANOVA EZHIKOVA KHAIRULLAEVA TSOIZHUNOVA" in variants
    word = "Жюйцхёщйжюйцхё"
    assert len(mrz_name_variants(word)) == MAX_VARIANTS_PER_WORD
    assert "ZHIUITSKHESHCHIZHIUITSKHE" in mrz_name_variants(word)


@pytest.mark.parametrize("name", ["Иван2", "王伟", "Anna @ Maria"])
def test_characters_no_mrz_can_spell_are_refused(name):
    with pytest.raises(InvalidInput):
        mrz_name_variants(name)


@pytest.mark.parametrize(
    ("typed", "surname", "given_names"),
    [
        ("Ғалымжан Нұрланов", "NURLANOV", "GALYMZHAN"),
        ("Нұрланов Ғалымжан", "NURLANOV", "GALYMZHAN"),
        ("Жаңыл Үсөнбаева", "USENBAEVA", "ZHANYL"),
        ("Щербаков Юрий Петрович", "SHCHERBAKOV", "IURII"),  # patronymic typed, not in the MRZ
        ("Юлия Сергеевна Щербакова", "SHCHERBAKOVA", "YULIYA"),
        ("Жанибек Нұрланұлы Сейітов", "SEIITOV", "ZHANIBEK"),
        ("ерикссон анна мария", "ERIKSSON", "ANNA MARIA"),
        ("Anna Maria Eriksson", "ERIKSSON", "ANNA MARIA"),
        ("ERIKSSON ANNA MARIA", "ERIKSSON", "ANNA MARIA"),
        ("Абрамович Роман", "ABRAMOVICH", "ROMAN"),  # a surname ending like a patronymic
        ("Ли Цой", "TSOI", "LI"),
        ("Жан-Поль Сартр", "SARTR", "ZHAN POL"),
        ("Цой", "TSOI", ""),
    ],
)
def test_typed_names_match_the_mrz(typed, surname, given_names):
    assert name_matches_mrz(typed, surname=surname, given_names=given_names)


@pytest.mark.parametrize(
    ("typed", "surname", "given_names"),
    [
        ("Ғалымжан", "NURLANOV", "GALYMZHAN"),  # a word missing
        ("Ғалымжан Нұрланов Қайрат", "NURLANOV", "GALYMZHAN"),  # a word too many, not a patronymic
        ("Галина Нурланова", "NURLANOV", "GALYMZHAN"),
        ("Анна Эрикссон Мария", "ERIKSSON", "ANNA MARIA"),  # the given names split by the surname
        ("Мария Анна Эрикссон", "ERIKSSON", "ANNA MARIA"),  # the given names in another order
        ("", "ERIKSSON", "ANNA MARIA"),
        ("王伟", "WANG", "WEI"),
        ("Иван2 Петров", "PETROV", "IVAN"),
    ],
)
def test_other_names_do_not_match(typed, surname, given_names):
    assert not name_matches_mrz(typed, surname=surname, given_names=given_names)


@given(st.text(alphabet="АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ", min_size=1, max_size=12))
def test_every_variant_of_a_word_matches_it(word):
    variants = mrz_name_variants(word)
    assert len(variants) <= MAX_VARIANTS_PER_WORD
    assert variants or set(word) <= set("ЪЬ")  # only a word of soft and hard signs may spell nothing
    for variant in variants:
        assert re.fullmatch("[A-Z]+", variant)
        assert name_matches_mrz(f"{word} Иван", surname=variant, given_names="IVAN")


@given(st.text(max_size=30))
def test_matching_random_text_never_raises(typed):
    assert name_matches_mrz(typed, surname="ERIKSSON", given_names="ANNA MARIA") in (True, False)


def test_spellings_that_coincide_cannot_make_the_listing_long():
    # 2**40 choices, 41 distinct spellings: the listing gives up early, the matcher still finds any of them.
    variants = mrz_name_variants("Ъ" * 40 + "А")
    assert "IE" * 40 + "A" in variants and len(variants) < MAX_VARIANTS_PER_WORD
    assert name_matches_mrz("Ъ" * 40 + "А Иван", surname="A", given_names="IVAN")
    assert name_matches_mrz("Ъ" * 40 + "А Иван", surname="IEIEA", given_names="IVAN")
