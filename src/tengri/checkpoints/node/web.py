"""The checkpoint officer's page (`tengri checkpoint serve`): a small WSGI app over one `Node`.

One input field that a hardware QR scanner types into (a scanner is a keyboard: it types the text and
Enter), the verdict big and clear, look-up by passport number, the last events, sync state and the age
of the trust data. It works with no connection: nothing on the page comes from the network.

Access: the page listens on 127.0.0.1 only, and answers only a browser that opened the link with the
page key printed at start (as Jupyter does); the key then lives in a SameSite=Strict cookie. Every form
also carries a token derived from the key, so another site open in the same browser cannot post scans
(CSRF), and requests for any other Host are refused (DNS rebinding).
"""

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tengri.checkpoints.node.node import Node
from tengri.checkpoints.node.scanning import ScanResult, age_words
from tengri.core.errors import TengriError

LANGUAGES = ("en", "ru", "kk", "ky")
KEY_COOKIE, OFFICER_COOKIE, LANGUAGE_COOKIE, DIRECTION_COOKIE = "node_key", "officer", "lang", "direction"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MAX_BODY = 16 * 1024  # a QR text is under 1 KB; nothing the page takes is larger
KEPT_RESULTS = 50

# What the officer reads, big, for each verdict of the permit verifier (spec permit-v1).
VERDICT_WORDS = {
    "VALID": gettext_lazy("Permit valid"),
    "BAD_PREFIX": gettext_lazy("Not a Tengri permit"),
    "BAD_ENCODING": gettext_lazy("Unreadable: scan again"),
    "BAD_STRUCTURE": gettext_lazy("Not a valid permit"),
    "BAD_SIGNATURE": gettext_lazy("Forged or altered permit"),
    "MISSING_SIGNATURE": gettext_lazy("Not signed by every authority"),
    "NOT_YET_VALID": gettext_lazy("Not valid yet"),
    "EXPIRED": gettext_lazy("Expired"),
    "REVOKED": gettext_lazy("Revoked"),
    "WRONG_CHECKPOINT": gettext_lazy("Not valid at this checkpoint"),
    "OUTSIDE_WINDOW": gettext_lazy("Not valid at this checkpoint today"),
}

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class NodePage:
    """The WSGI application. `key` is the page key (random unless given, for tests)."""

    def __init__(self, node: Node, *, key: str | None = None) -> None:
        self.node = node
        self.key = key or secrets.token_urlsafe(24)
        # Cookies are per host, not per port: two nodes on one laptop must not share them.
        self.cookie_suffix = "_" + "".join(ch for ch in node.config.checkpoint if ch.isalnum())
        # Verdicts and errors stay here, shown once by id: a passport number never goes into a URL (and so
        # never into the browser's history on a shared laptop).
        self._results: OrderedDict[str, ScanResult | str] = OrderedDict()
        self._lock = threading.Lock()

    def cookie(self, name: str) -> str:
        return name + self.cookie_suffix

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = _Request(environ)
        status, headers, body = self._answer(request)
        start_response(status, [*headers, ("Cache-Control", "no-store"), ("X-Frame-Options", "DENY")])
        return [body]

    # --- routing ---------------------------------------------------------------------------------------------

    def _answer(self, request: "_Request") -> tuple[str, list[tuple[str, str]], bytes]:
        language = _language(request, self.cookie(LANGUAGE_COOKIE))
        with translation.override(language):
            if request.host not in LOCAL_HOSTS:
                return _plain("403 Forbidden", _("This page answers on this computer only."))
            if request.method == "GET" and request.query.get("key") == self.key:
                return _redirect("/", [_cookie(self.cookie(KEY_COOKIE), self.key)])
            if not hmac.compare_digest(request.cookies.get(self.cookie(KEY_COOKIE), ""), self.key):
                return _plain(
                    "403 Forbidden",
                    _("Open the link that `tengri checkpoint serve` printed when it started."),
                )
            if request.method == "POST":
                return self._post(request)
            if request.method == "GET" and request.path == "/":
                status, headers, body = self._page(request, language)
                if "lang" in request.query:
                    headers.append(_cookie(self.cookie(LANGUAGE_COOKIE), language))
                return status, headers, body
            return _plain("404 Not Found", _("There is nothing here."))

    def _post(self, request: "_Request") -> tuple[str, list[tuple[str, str]], bytes]:
        form = request.form()
        if not hmac.compare_digest(form.get("token", ""), self.form_token):
            return _plain("403 Forbidden", _("The form has expired: reload the page."))
        actions = {"/scan": self._scan, "/lookup": self._lookup, "/sync": self._sync, "/shift": self._shift}
        action = actions.get(request.path)
        if action is None:
            return _plain("404 Not Found", _("There is nothing here."))
        return action(request, form)

    @property
    def form_token(self) -> str:
        return hmac.new(self.key.encode(), b"node page form", hashlib.sha256).hexdigest()

    # --- actions ---------------------------------------------------------------------------------------------

    def _scan(self, request: "_Request", form: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        return self._record(
            request,
            form,
            lambda direction, officer: self.node.scan(qr=form.get("qr", ""), direction=direction, officer=officer),
        )

    def _lookup(self, request: "_Request", form: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        return self._record(
            request,
            form,
            lambda direction, officer: self.node.lookup(form.get("passport", ""), direction=direction, officer=officer),
        )

    def _record(self, request: "_Request", form: dict[str, str], scan) -> tuple[str, list[tuple[str, str]], bytes]:
        officer = request.cookies.get(self.cookie(OFFICER_COOKIE), "")
        direction = form.get("direction", "")
        remember = [_cookie(self.cookie(DIRECTION_COOKIE), direction)] if direction in ("in", "out") else []
        try:
            result = scan(direction, officer)
        except TengriError as error:
            return _redirect("/?" + urlencode({"error": self._keep(str(error))}), remember)
        return _redirect("/?" + urlencode({"event": self._keep(result)}), remember)

    def _keep(self, outcome: ScanResult | str) -> str:
        key = outcome.event.id if isinstance(outcome, ScanResult) else secrets.token_urlsafe(8)
        with self._lock:
            self._results[key] = outcome
            while len(self._results) > KEPT_RESULTS:
                self._results.popitem(last=False)
        return key

    def _sync(self, request: "_Request", form: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        messages = []
        for name, step in (("pull", self.node.pull), ("push", self.node.push)):
            try:
                step()
                messages.append(_("%(step)s: done") % {"step": name})
            except TengriError as error:
                messages.append(f"{name}: {error}")
        return _redirect("/?" + urlencode({"sync": "; ".join(messages)}), [])

    def _shift(self, request: "_Request", form: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        officer = " ".join(form.get("officer", "").split())[:100]
        if not officer:
            return _redirect("/?" + urlencode({"error": self._keep(_("Type your name to start the shift."))}), [])
        return _redirect("/", [_cookie(self.cookie(OFFICER_COOKIE), officer)])

    # --- the page --------------------------------------------------------------------------------------------

    def _page(self, request: "_Request", language: str) -> tuple[str, list[tuple[str, str]], bytes]:
        now = self.node.now()
        status = self.node.status(now)
        offset = timedelta(hours=status["checkpoint"]["utc_offset_hours"] or 0)
        with self._lock:
            kept = self._results.get(request.query.get("event", ""))
            error = self._results.get(request.query.get("error", ""))
        result = kept if isinstance(kept, ScanResult) else None
        context = {
            "language": language,
            "languages": LANGUAGES,
            "token": self.form_token,
            "officer": request.cookies.get(self.cookie(OFFICER_COOKIE), ""),
            "direction": request.cookies.get(self.cookie(DIRECTION_COOKIE), "in"),
            "status": status,
            "ages": _ages(status),
            "result": result if isinstance(result, ScanResult) else None,
            "verdict_words": VERDICT_WORDS.get(result.verdict, result.verdict)
            if isinstance(result, ScanResult)
            else "",
            "error": error if isinstance(error, str) else "",
            "sync_message": request.query.get("sync", ""),
            "events": [_local(event, offset) for event in self.node.recent_events(15)],
            "utc_offset": status["checkpoint"]["utc_offset_hours"],
        }
        body = render_to_string("checkpoints/node_page.html", context)
        return "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Language", language)], body.encode()


def _ages(status: dict[str, Any]) -> dict[str, str]:
    """Each part of the trust data with its age in words ('never' when never pulled)."""
    words = {}
    for part in ("trust_list", "revocations", "manifest"):
        pulled = status.get(part)
        words[part] = age_words(pulled["age_s"]) if pulled else ""
    push = status.get("last_push")
    words["push"] = str(push["at"])[:16].replace("T", " ") + " UTC" if push else ""
    return words


def _local(event: dict[str, Any], offset: timedelta) -> dict[str, Any]:
    moment = datetime.fromisoformat(event["device_time"]).astimezone(UTC) + offset
    return {**event, "local_time": moment.strftime("%d.%m %H:%M")}


class _Request:
    def __init__(self, environ: Environ) -> None:
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.path = environ.get("PATH_INFO", "/") or "/"
        self.host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0] if environ.get("HTTP_HOST") else ""
        self.query = {name: values[0] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        cookie = SimpleCookie()
        cookie.load(environ.get("HTTP_COOKIE", ""))
        self.cookies = {name: morsel.value for name, morsel in cookie.items()}

    def form(self) -> dict[str, str]:
        try:
            length = min(int(self.environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        raw = self.environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
        return {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}


def _language(request: _Request, cookie: str) -> str:
    wanted = request.query.get("lang") or request.cookies.get(cookie, "en")
    return wanted if wanted in LANGUAGES else "en"


def _cookie(name: str, value: str) -> tuple[str, str]:
    morsel = SimpleCookie()
    morsel[name] = value
    morsel[name]["path"] = "/"
    morsel[name]["httponly"] = True
    morsel[name]["samesite"] = "Strict"
    return "Set-Cookie", morsel[name].OutputString()


def _redirect(location: str, headers: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]], bytes]:
    return "303 See Other", [("Location", location), *headers], b""


def _plain(status: str, text: str) -> tuple[str, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], text.encode()


def serve(node: Node, *, port: int, key: str | None = None, threads: int = 4) -> None:
    """Serves the page on 127.0.0.1 until interrupted; prints the link with the page key."""
    from waitress import serve as waitress_serve

    page = NodePage(node, key=key)
    print(f"Checkpoint {node.config.checkpoint}: open http://127.0.0.1:{port}/?key={page.key}", flush=True)
    waitress_serve(page, host="127.0.0.1", port=port, threads=threads, ident="tengri-checkpoint")
