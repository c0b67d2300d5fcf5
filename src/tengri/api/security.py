"""Who is calling the API: a browser session (with its CSRF token) or HTTP Basic for scripts and
checkpoint tools (over TLS in production). Access rules then decide what the caller may do."""

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja.security import HttpBasicAuth, django_auth


class PasswordAuth(HttpBasicAuth):
    def authenticate(self, request: HttpRequest, username: str, password: str):
        user = authenticate(request, username=username, password=password)
        if user is None or not user.is_active:
            return None
        request.user = user
        return user


SIGNED_IN = [PasswordAuth(), django_auth]
