"""Names stored in the four languages of the system, shown in the active one."""

from django.db import models
from django.utils.translation import get_language

SYSTEM_LANGUAGES = ("en", "ru", "kk", "ky")


class NamedInFourLanguages(models.Model):
    """English is required; the others fall back to Russian, then English, when empty."""

    name_en = models.CharField("name (English)", max_length=200)
    name_ru = models.CharField("name (Russian)", max_length=200, blank=True)
    name_kk = models.CharField("name (Kazakh)", max_length=200, blank=True)
    name_ky = models.CharField("name (Kyrgyz)", max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_in(get_language() or "en")

    def name_in(self, language: str) -> str:
        return in_language(self, "name", language)


def in_language(instance: object, field: str, language: str | None = None) -> str:
    """The value of `<field>_<language>`, falling back (kk, ky → ru → en); `<field>_en` or `<field>` is the base."""
    language = (language or get_language() or "en").split("-")[0]
    fallbacks = [language, "ru", "en"] if language in ("kk", "ky") else [language, "en"]
    for code in fallbacks:
        value = getattr(instance, f"{field}_{code}", "")
        if value:
            return value
    return str(getattr(instance, f"{field}_en", None) or getattr(instance, field, ""))
