"""What the lifecycle works with in one provider process: a :class:`Runtime` per configuration.

A runtime holds the settings of one provider configuration, the audience its errors are written
for, the client (made on first use, with credentials for those settings), the key cache, the
inventories (one list per org, for reads, updates and deletes) and the claims. Imports the
client and the credentials lazily: a preview never loads the HTTP stack.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from . import schema
from .crypto import PublicKeyCache
from .errors import remember_secret
from .inventory import Claims, Inventory
from .outcomes import RegistryError
from .settings import Settings

if TYPE_CHECKING:
    # Imported where first needed: `requests` would double the time to answer the first check.
    from .client import GitHubClient
    from .pacing import Limits

__all__ = ["FRESH_LIST_SECONDS", "Runtime"]

FRESH_LIST_SECONDS: Final = 10.0
"""How long one list of an org serves a process's updates or deletes: a burst of them (a
deployment's closing deletes) costs one list, and a write made elsewhere since is seen within it."""


class Runtime:
    """What the lifecycle works with in one provider process: settings, clients and caches.

    Thread-safe: the provider's threads share it. Clients are made on first use (a preview never
    imports the HTTP stack) with this runtime's limits, and pace writes on the process's one clock.
    :meth:`shared` gives every front-door instance configured alike in one process the same runtime.
    """

    _shared: ClassVar[dict[tuple[Any, ...], Runtime]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, settings: Settings, audience: schema.Audience) -> Runtime:
        """The process's runtime for ``settings`` (compared with the token as a digest).

        A door may hold several instances in one process: Pulumi's dynamic-provider host makes one
        per distinct ``__provider`` blob, and a state written by another Python or dill version holds
        other bytes than the program's. Their deletes (from the state) and creates (from the program)
        must see the same claims, or a renamed resource's delete would remove what the new one
        adopted; and one list per org serves them all.
        """
        # By the audience itself (the runtime keeps it alive, so its id is not reused) and the keys
        # its messages name: two doors in one process (tests; a plain-Python door beside a program)
        # each get their own words, even when they name fields alike.
        key = (settings.identity, settings.keys, id(audience))
        with cls._shared_lock:
            runtime = cls._shared.get(key)
            if runtime is None:
                runtime = cls._shared[key] = cls(settings, audience)
            return runtime

    def __init__(self, settings: Settings, audience: schema.Audience) -> None:
        self.settings = settings
        self.audience = audience
        """Who reads this runtime's errors (the door's users): how they name the resource's fields,
        and the door's words for what to do."""
        self.keys = PublicKeyCache()
        self.inventory = Inventory()
        self.updating = Inventory(ttl=FRESH_LIST_SECONDS)
        """The org's list as taken for this process's updates: has a record moved since its state?"""
        self.deleting = Inventory(ttl=FRESH_LIST_SECONDS)
        """The org's list as taken for this process's deletes, never from an earlier read or write:
        another process (another provider configuration) may have adopted a registry since."""
        self.claims = Claims()
        self._client: GitHubClient | None = None
        self._lock = threading.Lock()
        self._unreported: set[str] = set()  # fields a GET showed GitHub leaves out of its answers
        self.learning = threading.Lock()
        """Held while a GET learns which fields GitHub leaves out of its answers."""
        remember_secret(settings.token)

    @property
    def limits(self) -> Limits:
        """The client's limits, from the settings."""
        from .pacing import limits_for

        return limits_for(self.settings)

    def client(self, org: str, name: str) -> GitHubClient:
        """The client for the settings; ``org``/``name`` name the registry when no token is set."""
        from .access import connect, has_credential
        from .pacing import process_throttle

        current = self.settings
        if not has_credential(current, org):
            raise RegistryError(
                "no_token",
                self.audience,
                (org, name),
                token_key=current.token_key,
                tokens_key=current.tokens_key,
            )
        with self._lock:
            if self._client is None:
                # This runtime's own limits (timeout, retry budget, concurrency, write delay); only
                # the clock that paces writes is the process's.
                self._client = connect(current, throttle=process_throttle(self.limits)).client
            return self._client

    def wrote(self, org: str, record: Mapping[str, Any]) -> None:
        """Note a registry as our own write (or the read after it) left it.

        The deletes' list is dropped: a process that writes again is no longer in a deployment's
        closing deletes, and other processes may write before those come (the engine deletes last).
        """
        self.inventory.record(org, record)
        self.updating.record(org, record)
        self.deleting.clear(org)

    def unlisted(self, props: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
        """Fields the state has that the org's list left out of ``record`` (unless never reported)."""
        with self._lock:
            return [
                f
                for f in schema.REPORTED_FIELDS
                if props.get(f) is not None and f not in record and f not in self._unreported
            ]

    def learn_unreported(self, fields: list[str]) -> None:
        """GitHub's GET leaves these out too: no registry's answer will have them."""
        with self._lock:
            self._unreported.update(fields)
