"""Demo signing keys: one active key per authority, created once (development only)."""

from tengri.permits.keys import key_activate, key_create
from tengri.permits.models import SigningKey


def demo_keys_load() -> list[str]:
    """Create and activate a key for each authority that has no active key; returns the new kids."""
    created = []
    for authority in ("KZ", "KG"):
        if not SigningKey.objects.filter(authority=authority, state=SigningKey.State.ACTIVE).exists():
            key = key_activate(actor=None, kid=key_create(actor=None, authority=authority).kid)
            created.append(key.kid)
    return created
