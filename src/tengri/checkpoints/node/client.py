"""The node's HTTP client for the centre's device API (docs/offline-sync.md).

Every failure is one of three kinds the officer can act on: the centre could not be reached or did not
answer whole (`NodeOffline`: try again later, nothing is lost), the centre refused this device
(`DeviceRefused`: revoked, unknown, or another checkpoint's; call the administrator), or the centre
refused the request for another reason (`ServerRefused`). Timeouts are short: a checkpoint on a
satellite link should learn it is offline in seconds, not minutes.
"""

import json
from datetime import datetime
from typing import Any

import httpx

from tengri.core.errors import InvalidInput, TengriError

API = "/api/v1"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class SyncFailed(TengriError):
    """A request to the centre did not succeed."""


class NodeOffline(SyncFailed):
    """No answer, a cut answer, or a server error (5xx): the request may or may not have arrived."""


class DeviceRefused(SyncFailed):
    """401 (revoked, unknown device, wrong credential) or 403 (another checkpoint's business)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class ServerRefused(SyncFailed):
    """Any other 4xx: the centre understood and said no (an expired token, a malformed batch)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


# Plain http only to this computer (a centre run beside the node, tests): over any network the trust list,
# the root of offline verification, and the device's credential must travel under TLS.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def server_root(url: str) -> str:
    """The centre's address as typed, with or without the API prefix: https, or http to this computer."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"the server address {url!r} must start with https://")
    if url.startswith("http://") and httpx.URL(url).host not in LOOPBACK_HOSTS:
        raise InvalidInput(f"the server address {url!r} must use https:// (http only to this computer)")
    return url.removesuffix(API)


class CentreClient:
    """Talks to one centre as one device. `transport` is httpx's seam: the tests hand in the centre's
    WSGI application (in-process) or a fault-injecting wrapper around it."""

    def __init__(
        self, server: str, *, credential: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {"Accept": "application/json"}
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        self.server = server_root(server)
        self._http = httpx.Client(base_url=self.server + API, headers=headers, timeout=TIMEOUT, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CentreClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def enrol(self, token: str) -> dict[str, Any]:
        """Spends the one-time token: `{device_id, credential, checkpoint: {...}}`."""
        return self._request("POST", "/devices/enrol", json={"token": token})

    def trust_list(self) -> dict[str, Any]:
        return self._request("GET", "/trust-list")

    def revocations(self) -> dict[str, Any]:
        return self._request("GET", "/revocations")

    def manifest(self, *, days: int) -> dict[str, Any]:
        return self._request("GET", "/device/manifest", params={"days": days})

    def events_post(self, *, sent_at: datetime, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self._request("POST", "/device/events", json={"sent_at": sent_at.isoformat(), "events": events})

    def device_status(self) -> dict[str, Any]:
        """What the centre knows of this device (last seen, clock skew, events stored)."""
        return self._request("GET", "/device/status")

    def _request(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **options)
        except httpx.TimeoutException:
            raise NodeOffline(f"the centre at {self.server} did not answer in time") from None
        except httpx.RequestError as error:
            raise NodeOffline(
                f"the centre at {self.server} is out of reach ({type(error).__name__}: {error})"
            ) from None
        if response.status_code >= 500:
            raise NodeOffline(f"the centre answered {response.status_code} (a server error; try again later)")
        if response.status_code in (401, 403):
            raise DeviceRefused(response.status_code, _refusal(response, "this device was refused"))
        if response.status_code >= 400:
            raise ServerRefused(response.status_code, _refusal(response, "the request was refused"))
        try:
            answer = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise NodeOffline(f"the centre's answer to {method} {path} did not arrive whole") from None
        if not isinstance(answer, dict):
            raise NodeOffline(f"the centre's answer to {method} {path} is not what the contract says")
        return answer


def _refusal(response: httpx.Response, fallback: str) -> str:
    try:
        detail = response.json().get("detail")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        detail = None
    if isinstance(detail, list):  # a validation error: django-ninja lists what was wrong
        detail = "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in detail)
    return f"{response.status_code}: {detail or fallback}"
