"""Canary token and canary value through every provider call and error path: where may they appear?

The token (sent as a secret Configure value, as `pulumi config set --secret github:token` does) must appear
nowhere the provider writes: no output, no error, no check failure, not its stderr or stdout, not the provider
blob that travels in the state. The plaintext value may appear only as the ``value`` output, which the engine
keeps secret: never in ``value_encrypted``, an error or the process's output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

import canaries
from canaries import CANARY_TOKEN, CANARY_VALUE, NAME, decoded
from engine import Props, up
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import declaration

Start = Callable[..., ProviderHost]


@pytest.fixture
def canary_emulator() -> Iterator[Emulator]:
    """An emulator that accepts only the canary token."""
    with Emulator(token=CANARY_TOKEN) as emu:
        yield emu


@pytest.fixture
def start(provider_host_factory: Callable[..., ProviderHost], canary_emulator: Emulator) -> Start:
    """A provider process configured with the canary token as a secret, against ``canary_emulator``."""

    def start_one(emu: Emulator | None = None, **config: str) -> ProviderHost:
        host = provider_host_factory(OrgPrivateRegistryProvider())
        host.configure(
            {
                "github:token": CANARY_TOKEN,
                "github:baseUrl": (emu or canary_emulator).base_url,
                "github:writeDelayMs": "0",
                "github-private-registry:maxRetryWait": "2",
                **config,
            },
            secret_keys={"github:token"},
        )
        return host

    return start_one


def canary_declaration(org: str, **changes: Any) -> dict[str, Any]:
    return declaration("token", org, value=CANARY_VALUE, **changes)


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


def test_the_lifecycle_shows_the_value_only_as_the_value_output(
    start: Start, canary_emulator: Emulator
) -> None:
    host = start()
    news = canary_declaration("hygiene")
    id_, outs, inputs = up(host, news)
    # Positive controls: the canary token was accepted and the canary value reached GitHub, sealed.
    assert canary_emulator.decrypted_value("hygiene", NAME) == CANARY_VALUE
    assert outs["value"] == CANARY_VALUE and outs["value_encrypted"]
    read = host.read(id_, outs, inputs)
    canary_emulator.rotate_key("hygiene")  # the update reseals after GitHub refuses the old key
    second = dict(news, url="https://npm.pkg.github.com/acme/v2/", value=CANARY_VALUE + "-2")
    checked = host.check(second, inputs)
    assert host.diff(id_, read.outputs, checked.inputs).changes == "some"
    updated = host.update(id_, read.outputs, checked.inputs)
    assert canary_emulator.decrypted_value("hygiene", NAME) == CANARY_VALUE + "-2"
    host.delete(id_, updated)
    assert canary_emulator.registry("hygiene", NAME) is None
    for outputs in (outs, read.outputs, read.inputs or Props(), checked.inputs, updated):
        assert_outputs_clean(outputs)
    assert_host_clean(host)


def _rate_limit_waited_on(start: Start, emu: Emulator) -> list[str]:
    emu.inject(method="POST", status=429, headers={"Retry-After": "1"}, body={"message": SECONDARY_MESSAGE})
    host = start()
    _, outs, _ = up(host, canary_declaration("waited"))
    assert_outputs_clean(outs)
    assert "rate limit" in host.stderr_text(), "the wait is logged: stderr is really looked at"
    assert_host_clean(host)
    return []


def _adopt_with_another_auth_type(start: Start, emu: Emulator) -> list[str]:
    emu.put_registry(
        "other-auth",
        registry_type="npm_registry",
        url="https://x.example.com",
        visibility="all",
        auth_type="username_password",
        username="u",
        value="theirs",
    )
    host = start()
    with pytest.raises(ProviderError) as failure:
        up(host, canary_declaration("other-auth", adopt=True))
    assert "auth_type" in failure.value.details
    assert_host_clean(host)
    return [failure.value.details]


def _invalid_declaration(start: Start, emu: Emulator) -> list[str]:
    host = start()
    checked = host.check(declaration("oidc_azure", "invalid", value=CANARY_VALUE))
    assert checked.failures, "a value on an OIDC registry is refused at check"
    assert_host_clean(host)
    assert emu.count() == 0
    return [reason for _, reason in checked.failures]


HYGIENE = canaries.Hygiene(
    declaration=canary_declaration,
    up=up,
    assert_clean=assert_host_clean,
    secret=str,
    sends_old_inputs=False,
)

ERROR_PATHS: dict[str, Callable[[Start, Emulator], list[str]]] = {
    "wrong token (401)": partial(canaries.wrong_token, HYGIENE),
    "create refused (422)": partial(canaries.refused_create, HYGIENE),
    "server error on every create": partial(canaries.server_errors_on_every_create, HYGIENE),
    "update rate-limited beyond the wait allowed": partial(canaries.update_rate_limited, HYGIENE),
    "create rate-limited then waited on": _rate_limit_waited_on,
    "exists without adopt": partial(canaries.exists_without_adopt, HYGIENE),
    "adopt with another auth_type": _adopt_with_another_auth_type,
    "delete refused (403)": partial(canaries.refused_delete, HYGIENE),
    "refresh rate-limited": partial(canaries.refresh_rate_limited, HYGIENE),
    "invalid declaration at check": _invalid_declaration,
}


@pytest.mark.parametrize("path", list(ERROR_PATHS))
def test_no_error_path_shows_the_token_or_the_value(
    start: Start, canary_emulator: Emulator, path: str
) -> None:
    for text in ERROR_PATHS[path](start, canary_emulator):
        assert CANARY_TOKEN not in text
        assert CANARY_VALUE not in text
