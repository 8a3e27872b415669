"""The canary token and value of the secret-hygiene tests, and the error paths both provider kinds walk.

`test_secret_hygiene` (the dynamic provider, through `ProviderHost`) and `test_plugin_secrets` (the plugin,
through `PluginHost`) send the canaries down the same error paths; a `Hygiene` says how one of them declares
a registry, creates it, marks a new value secret and finds a process clean. Each error path returns the
texts a user would see (error details, check failures), which the tests then search for the canaries.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from hosted import ProviderError
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator

__all__ = [
    "CANARY_TOKEN",
    "CANARY_VALUE",
    "NAME",
    "Hygiene",
    "decoded",
    "exists_without_adopt",
    "refresh_rate_limited",
    "refused_create",
    "refused_delete",
    "server_errors_on_every_create",
    "update_rate_limited",
    "wrong_token",
]

CANARY_TOKEN = "ghp_CANARYTOKEN0123456789"
CANARY_VALUE = "CANARY-SECRET-VALUE-42"
NAME = "NPM_REGISTRY_SECRET"

Start = Callable[..., Any]
"""Start a configured process: with no argument against the canary emulator, or against the one given."""


def decoded(text: str) -> bytes:
    """``text`` as base64 decoded, or b"" when it is not base64: a value merely encoded is still leaked."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""


@dataclass(frozen=True)
class Hygiene:
    """How the error paths drive one kind of provider process."""

    declaration: Callable[..., dict[str, Any]]
    """The canary registry of an org (``declaration(org, **changes)``), as this provider takes it."""
    up: Callable[[Any, dict[str, Any]], tuple[str, Any, Any]]
    """Check + Create: (id, outputs, checked inputs)."""
    assert_clean: Callable[[Any], None]
    """Neither canary anywhere the process showed it."""
    secret: Callable[[str], Any]
    """A new value as the program sends it."""
    sends_old_inputs: bool
    """Whether Update and Delete are sent the old inputs (else the harness's default)."""

    def old_inputs(self, inputs: Any) -> Any:
        return inputs if self.sends_old_inputs else None


def wrong_token(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    with Emulator(token="some-other-token") as other:
        host = start(other)
        with pytest.raises(ProviderError) as failure:
            hygiene.up(host, hygiene.declaration("wrong-token"))
        assert "rejected the token" in failure.value.details
        hygiene.assert_clean(host)
        return [failure.value.details]


def refused_create(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    emu.inject(
        method="POST",
        status=422,
        body={
            "message": "Validation Failed",
            "errors": [{"resource": "PrivateRegistry", "field": "url", "code": "invalid"}],
        },
    )
    host = start()
    with pytest.raises(ProviderError) as failure:
        hygiene.up(host, hygiene.declaration("refused"))
    assert "GitHub refused it" in failure.value.details
    hygiene.assert_clean(host)
    return [failure.value.details]


def server_errors_on_every_create(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    emu.inject(method="POST", status=500, times=10)
    host = start()
    with pytest.raises(ProviderError) as failure:
        hygiene.up(host, hygiene.declaration("failing"))
    assert emu.count("POST") == 2, "the sealed value was sent twice, both times refused"
    hygiene.assert_clean(host)
    return [failure.value.details]


def update_rate_limited(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    host = start()
    news = hygiene.declaration("limited")
    id_, outs, inputs = hygiene.up(host, news)
    emu.inject(
        method="PATCH", status=403, headers={"Retry-After": "3600"}, body={"message": SECONDARY_MESSAGE}
    )
    checked = host.check({**news, "value": hygiene.secret(CANARY_VALUE + "-new")}, inputs)
    with pytest.raises(ProviderError) as failure:
        host.update(id_, outs, checked.inputs, old_inputs=hygiene.old_inputs(inputs))
    assert "retry after" in failure.value.details
    hygiene.assert_clean(host)
    return [failure.value.details]


def exists_without_adopt(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    emu.put_registry(
        "taken", registry_type="npm_registry", url="https://x.example.com", visibility="all", value="theirs"
    )
    host = start()
    with pytest.raises(ProviderError) as failure:
        hygiene.up(host, hygiene.declaration("taken"))
    assert "adopt: true" in failure.value.details
    hygiene.assert_clean(host)
    return [failure.value.details]


def refused_delete(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    host = start()
    id_, outs, inputs = hygiene.up(host, hygiene.declaration("undeletable"))
    emu.inject(method="DELETE", status=403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(ProviderError) as failure:
        host.delete(id_, outs, old_inputs=hygiene.old_inputs(inputs))
    assert "permission" in failure.value.details
    hygiene.assert_clean(host)
    return [failure.value.details]


def refresh_rate_limited(hygiene: Hygiene, start: Start, emu: Emulator) -> list[str]:
    host = start()
    id_, outs, inputs = hygiene.up(host, hygiene.declaration("unreadable"))
    other = start()  # a new process lists the org again
    emu.inject(
        method="GET",
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
        body={"message": "API rate limit exceeded"},
    )
    with pytest.raises(ProviderError) as failure:
        other.read(id_, outs, inputs)
    assert "retry after" in failure.value.details
    hygiene.assert_clean(other)
    return [failure.value.details]
