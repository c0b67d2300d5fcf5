"""The interface is complete in Russian, Kazakh and Kyrgyz, and no translation breaks a placeholder."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import tengri

LOCALE_DIR = Path(tengri.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.mark.parametrize("language", ["ru", "kk", "ky"])
def test_catalogue_is_complete_and_keeps_placeholders(language):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    messages = [message for message in catalogue if message.id]
    assert len(messages) > 80
    untranslated = [message.id for message in messages if not all(forms(message.string)) or message.fuzzy]
    assert untranslated == []
    for message in messages:
        # A plural's forms each keep the placeholders of the plural msgid (the count included).
        wanted = set(PLACEHOLDER.findall(forms(message.id)[-1]))
        for form in forms(message.string):
            assert set(PLACEHOLDER.findall(form)) == wanted, message.id


def forms(text: str | tuple) -> tuple:
    """Babel gives a plural's ids and strings as tuples, a singular's as a string."""
    return text if isinstance(text, tuple) else (text,)


@pytest.mark.parametrize("language", ["ru", "kk", "ky"])
def test_compiled_catalogue_is_fresh(language):
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / "django.mo"
    assert compiled.exists(), "run make messages"
    assert compiled.stat().st_mtime >= (folder / "django.po").stat().st_mtime, "run make messages"
