"""GitHub Apps: who a request's credentials name, app JWTs verified, installations and their tokens.

:class:`Apps` holds the apps the emulator was given (their RSA public keys), their installations
and the ``ghs_`` tokens issued to them, and judges an app's JWT as GitHub does (the rules and the
messages are in :mod:`.facts`, "GitHub Apps"). Its callers hold the emulator's lock; the clock is
the emulator's, passed in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

from .facts import (
    DEFAULT_APP_PERMISSIONS,
    INSTALL_HINT,
    JWT_BAD_IAT,
    JWT_BAD_ISS,
    JWT_EXP_TOO_FAR,
    JWT_EXPIRED,
    JWT_MAX_LIFETIME,
    JWT_UNDECODABLE,
    LEVELS,
    NOT_ACCESSIBLE,
    PERMISSION,
)
from .messages import ApiError, bad_credentials

_TOKEN_ALPHABET: Final = string.ascii_letters + string.digits


@dataclass
class Installation:
    """An app installed on an organization."""

    id: int
    app_id: int
    org: str  # the login as given
    permissions: dict[str, str]
    created_at: str


@dataclass
class InstallationToken:
    """A ``ghs_`` token issued to an installation."""

    installation_id: int
    expires_at: float  # on the emulator's clock
    permissions: dict[str, str]


@dataclass(frozen=True)
class Caller:
    """Who a request's credentials name."""

    read_only: bool = False  # the read-only personal access token
    installation: Installation | None = None  # an installation token's installation
    token: InstallationToken | None = None
    app: int | None = None  # an app's JWT: its app id


def credential(header: str | None) -> str:
    """The token of an ``Authorization: Bearer|token ...`` header, else ""."""
    scheme, _, secret = (header or "").partition(" ")
    return secret.strip() if scheme.lower() in ("bearer", "token") else ""


def level(value: Any) -> int:
    """A permission's level (none 0, read 1, write 2); -1 for what is no level."""
    return LEVELS.get(value, -1) if value is None or isinstance(value, str) else -1


def app_id_of(value: Any) -> int | None:
    """An id given as an int or a string of ASCII digits (a JWT's iss may be either), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def iso(timestamp: float) -> str:
    """A time as GitHub writes it: ``2016-07-11T22:14:10Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def check_integration(caller: Caller, org: str, method: str) -> None:
    """403 unless an app's caller may use ``org``'s private registries with ``method``."""
    if caller.app is not None:
        raise ApiError(403, NOT_ACCESSIBLE, status="403")
    if caller.installation is None or caller.token is None:
        return
    needed = "read" if method == "GET" else "write"
    held = min(
        level(caller.token.permissions.get(PERMISSION)),
        level(caller.installation.permissions.get(PERMISSION)),
    )
    if caller.installation.org.lower() != org.lower() or held < LEVELS[needed]:
        error = ApiError(403, NOT_ACCESSIBLE, status="403")
        error.reply.headers["X-Accepted-GitHub-Permissions"] = f"{PERMISSION}={needed}"
        raise error


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _load_jwt() -> Any:
    try:
        import jwt
    except ImportError as exc:
        message = "the emulator verifies GitHub App JWTs with PyJWT[crypto], which is missing"
        raise ImportError(f"{message}: {INSTALL_HINT}") from exc
    return jwt


def _rsa_public_key(pem: str | bytes) -> Any:
    """An app's RSA public key from PEM text (a private key's PEM gives its public half)."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        key: Any = load_pem_private_key(data, password=None).public_key()
    else:
        key = load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("a GitHub App's key is an RSA key (its JWTs are signed with RS256)")
    return key


class Apps:
    """The apps given, their installations and tokens; none given: every app endpoint answers 404."""

    def __init__(self, apps: Mapping[int | str, str | bytes] | None, now: Callable[[], float]) -> None:
        self._now = now
        self._jwt: Any = _load_jwt() if apps else None
        self._keys: dict[int, Any] = {}
        for app_id, pem in (apps or {}).items():
            number = app_id_of(app_id)
            if number is None:
                raise ValueError(f"an app id is a number, not {app_id!r}")
            self._keys[number] = _rsa_public_key(pem)
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, InstallationToken] = {}

    @property
    def enabled(self) -> bool:
        """Whether any app was given (the app endpoints and app credentials exist only then)."""
        return bool(self._keys)

    def install(
        self, org: str, app_id: int | str, installation_id: int, permissions: Mapping[str, str] | None
    ) -> None:
        """Install app ``app_id`` on ``org`` as ``installation_id`` (default: write permission)."""
        number = app_id_of(app_id)
        if number is None or number not in self._keys:
            raise ValueError(f"app {app_id!r} is not one of the apps given")
        if installation_id in self.installations:
            raise ValueError(f"installation {installation_id} exists already")
        if any(i.org.lower() == org.lower() and i.app_id == number for i in self.installations.values()):
            raise ValueError(f"app {number} is installed on {org!r} already")
        self.installations[installation_id] = Installation(
            installation_id,
            number,
            org,
            dict(DEFAULT_APP_PERMISSIONS if permissions is None else permissions),
            iso(self._now()),
        )

    def uninstall(self, org: str, app_id: int | None) -> None:
        """Remove ``org``'s installations (of ``app_id`` only, if given) and revoke their tokens."""
        gone = {
            i.id
            for i in self.installations.values()
            if i.org.lower() == org.lower() and app_id in (None, i.app_id)
        }
        for installation_id in gone:
            del self.installations[installation_id]
        self.tokens = {k: t for k, t in self.tokens.items() if t.installation_id not in gone}

    def tokens_view(self) -> list[dict[str, Any]]:
        """Every token issued and not revoked, as :meth:`.models.Backend.installation_tokens` shows it."""
        now = self._now()
        return [
            {
                "token": token,
                "installation_id": t.installation_id,
                "expires_at": iso(t.expires_at),
                "expired": now >= t.expires_at,
                "permissions": dict(t.permissions),
            }
            for token, t in self.tokens.items()
        ]

    def expire(self, installation_id: int | None) -> int:
        """Expire every token now (of ``installation_id`` only, if given); how many."""
        now = self._now()
        expired = [
            t
            for t in self.tokens.values()
            if installation_id in (None, t.installation_id) and t.expires_at > now
        ]
        for t in expired:
            t.expires_at = now
        return len(expired)

    def issue(self, installation: Installation, permissions: dict[str, str], expires_at: float) -> str:
        """A new ``ghs_`` token of ``installation``, good until ``expires_at``."""
        token = "ghs_" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(36))
        self.tokens[token] = InstallationToken(installation.id, expires_at, permissions)
        return token

    def caller(self, secret: str) -> Caller | None:
        """The caller an installation token or an app's JWT names (or GitHub's refusal of it);
        None for any other credential, and always without apps."""
        if not self.enabled:
            return None
        if secret.startswith("ghs_"):  # GitHub's prefix of installation tokens
            issued = self.tokens.get(secret)
            if issued is None or self._now() >= issued.expires_at:
                raise bad_credentials()
            return Caller(installation=self.installations[issued.installation_id], token=issued)
        if self._looks_like_jwt(secret):
            return Caller(app=self.verify_jwt(secret))
        return None

    def _looks_like_jwt(self, secret: str) -> bool:
        if secret.count(".") != 2:
            return False
        try:
            return isinstance(self._jwt.get_unverified_header(secret).get("alg"), str)
        except (self._jwt.PyJWTError, AttributeError, ValueError):
            return False

    def verify_jwt(self, token: str) -> int:
        """The app id of a JWT GitHub would accept now, or the 401 (or 404) it answers."""

        def refused(message: str, status: int = 401) -> ApiError:
            return ApiError(status, message, "https://docs.github.com/rest", status=str(status))

        jws = self._jwt.PyJWS()
        try:
            claims = json.loads(jws.decode_complete(token, options={"verify_signature": False})["payload"])
        except (self._jwt.PyJWTError, ValueError):
            raise refused(JWT_UNDECODABLE) from None
        if not isinstance(claims, dict):
            raise refused(JWT_UNDECODABLE)
        app_id = app_id_of(claims.get("iss"))
        if app_id is None:
            raise refused(JWT_BAD_ISS)
        if app_id not in self._keys:
            raise refused("Integration not found", 404)
        try:
            jws.decode_complete(token, self._keys[app_id], algorithms=["RS256"])
        except self._jwt.PyJWTError:
            raise refused(JWT_UNDECODABLE) from None
        now, issued, expires = self._now(), claims.get("iat"), claims.get("exp")
        if not _is_number(issued) or issued > now:
            raise refused(JWT_BAD_IAT)
        if not _is_number(expires) or expires <= now:
            raise refused(JWT_EXPIRED)
        if expires > now + JWT_MAX_LIFETIME:
            raise refused(JWT_EXP_TOO_FAR)
        return app_id


def installation_view(installation: Installation, host: str, prefix: str) -> dict[str, Any]:
    """GitHub's "installation" object, as "Get an organization installation for the authenticated
    app" answers it (its fields that concern an organization's installation), served at ``host``."""
    api = f"http://{host}{prefix}"
    account_id = int.from_bytes(hashlib.sha256(installation.org.lower().encode()).digest()[:4], "big")
    return {
        "id": installation.id,
        "account": {"login": installation.org, "id": account_id, "type": "Organization"},
        "repository_selection": "all",
        "access_tokens_url": f"{api}/app/installations/{installation.id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"http://{host}/organizations/{installation.org}/settings/installations/{installation.id}",
        "app_id": installation.app_id,
        "app_slug": f"app-{installation.app_id}",
        "target_id": account_id,
        "target_type": "Organization",
        "permissions": dict(installation.permissions),
        "events": [],
        "created_at": installation.created_at,
        "updated_at": installation.created_at,
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }
