"""The canary token and value of the secret-hygiene tests, how each door is driven with them, and the
error paths both doors walk.

`test_secret_hygiene` sends the canaries through both doors (the dynamic provider through `ProviderHost`,
the plugin through `PluginHost`) down the same error paths; `test_plugin_secrets` what only the plugin
has. A `Hygiene` (`DYNAMIC`, `PLUGIN`) says how a door declares a registry, creates it, marks a new value
secret and finds a process clean. Each error path returns the texts a user would see (error details,
check failures), which the tests then search for the canaries (`leaks`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import pytest

from doors import Plugins, camel
from engine import Props, Secret, up
from hosted import ProviderError
from plugin_host import PluginHost
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import declaration

__all__ = [
    "CANARIES",
    "CANARY_TOKEN",
    "CANARY_VALUE",
    "DYNAMIC",
    "NAME",
    "PLUGIN",
    "Hygiene",
    "assert_host_clean",
    "assert_outputs_clean",
    "assert_plugin_clean",
    "assert_secrets_marked",
    "decoded",
    "dynamic_declaration",
    "dynamic_starter",
    "exists_without_adopt",
    "leaks",
    "plugin_declaration",
    "plugin_starter",
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
CANARIES: Final = (CANARY_TOKEN, CANARY_VALUE)
_BASE64_RUN: Final = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")

Start = Callable[..., Any]
"""Start a configured process: with no argument against the canary emulator, or against the one given."""


def decoded(text: str) -> bytes:
    """``text`` as base64 decoded, or b"" when it is not base64: a value merely encoded is still leaked."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""


def leaks(text: str, canaries: tuple[str, ...] = CANARIES) -> list[str]:
    """The canaries `text` shows, plainly or base64-encoded (a value merely encoded is still leaked)."""
    shown = [c for c in canaries if c in text]
    for run in _BASE64_RUN.findall(text):
        shown += [c for c in canaries if c.encode() in decoded(run + "=" * (-len(run) % 4))]
    return shown


# --- the dynamic door: the token a secret Configure value, the value only under `value` ------------------


def dynamic_declaration(org: str, **changes: Any) -> dict[str, Any]:
    """The canary registry of `org`, as the dynamic door takes it."""
    return declaration("token", org, value=CANARY_VALUE, **changes)


def dynamic_starter(factory: Callable[..., ProviderHost], emulator: Emulator) -> Start:
    """Start provider processes (through `factory`) configured with the canary token as a secret."""

    def start_one(emu: Emulator | None = None, **config: str) -> ProviderHost:
        host = factory(OrgPrivateRegistryProvider())
        host.configure(
            {
                "github:token": CANARY_TOKEN,
                "github:baseUrl": (emu or emulator).base_url,
                "github:writeDelayMs": "0",
                "github-private-registry:maxRetryWait": "2",
                **config,
            },
            secret_keys={"github:token"},
        )
        return host

    return start_one


def assert_outputs_clean(outputs: dict[str, Any]) -> None:
    """The token nowhere; the plaintext value only under ``value``, and not even encoded elsewhere."""
    assert CANARY_TOKEN not in json.dumps(outputs)
    others = {k: v for k, v in outputs.items() if k != "value"}
    assert CANARY_VALUE not in json.dumps(others)
    for text in (v for v in others.values() if isinstance(v, str)):
        assert CANARY_VALUE.encode() not in decoded(text) and CANARY_TOKEN.encode() not in decoded(text)


def assert_host_clean(host: ProviderHost) -> None:
    """Neither canary in what the process wrote, nor in the provider blob the state carries."""
    for text in (host.stderr_text(), host.stdout_text(), host.provider_blob):
        assert CANARY_TOKEN not in text and CANARY_VALUE not in text
    blob = decoded(host.provider_blob)
    assert blob, "the provider blob is base64"
    assert CANARY_TOKEN.encode() not in blob and CANARY_VALUE.encode() not in blob


# --- the plugin: the token a secret input, the value only inside what the answer marks secret -----------


def plugin_declaration(org: str, **changes: Any) -> dict[str, Any]:
    """The canary registry of `org`, as the plugin takes it (camelCase, the value secret)."""
    return camel(declaration("token", org, value=CANARY_VALUE, **changes))


def plugin_starter(plugins: Plugins) -> Start:
    """Start plugin processes (of `plugins`) configured with the canary token as a secret input."""

    def start_one(emu: Emulator | None = None, **config: Any) -> PluginHost:
        return plugins.start(emu, token=CANARY_TOKEN, maxRetryWait=2, **config)

    return start_one


def assert_secrets_marked(props: Props) -> None:
    """The value and its ciphertext, wherever present, are secret; nothing else is."""
    assert props.secret == {"value", "valueEncrypted"} & set(props), props.secret


def assert_plugin_clean(host: PluginHost, canaries: tuple[str, ...] = CANARIES) -> None:
    """Neither canary in any answer's plaintext, nor in an error, nor in what the process wrote."""
    assert host.transcript, "the answers are really looked at"
    assert leaks(host.transcript_text(skip={"CheckConfig"}), canaries) == []
    assert leaks(host.stderr_text(), canaries) == [] and leaks(host.stdout_text(), canaries) == []


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


DYNAMIC: Final = Hygiene(
    declaration=dynamic_declaration,
    up=up,
    assert_clean=assert_host_clean,
    secret=str,
    sends_old_inputs=False,
)
PLUGIN: Final = Hygiene(
    declaration=plugin_declaration,
    up=up,
    assert_clean=assert_plugin_clean,
    secret=Secret,
    sends_old_inputs=True,
)
