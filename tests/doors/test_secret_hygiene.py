"""Canary token and canary value through both doors' calls and error paths: where may they appear?

The token (a secret: `pulumi config set --secret github:token` for the dynamic door, the secret provider
input `github-private-registry:token` for the plugin) must appear nowhere a door writes: no output, no
error, no check failure, not its stderr or stdout, not the provider blob the dynamic door's state carries,
not even base64-encoded. The plaintext value may appear only as the ``value`` output: the dynamic door
leaves it to the engine to keep secret, the plugin marks it (and `valueEncrypted`) secret itself in
Check, Create, Read and Update. What only the plugin has (a sealed value, inputs the program marks
secret, import by id, CheckConfig) is in `test_plugin_secrets.py`.

CheckConfig's echo of its inputs is left out of the search: the engine sends CheckConfig the
configuration without secret envelopes and marks the echo secret again itself (`annotateSecrets` in
pulumi/pulumi's provider_plugin.go); its failures are searched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

import canaries
from canaries import (
    CANARY_TOKEN,
    CANARY_VALUE,
    DYNAMIC,
    NAME,
    PLUGIN,
    assert_host_clean,
    assert_outputs_clean,
    assert_plugin_clean,
    assert_secrets_marked,
    dynamic_declaration,
    dynamic_starter,
    leaks,
    plugin_declaration,
    plugin_starter,
)
from doors import DOORS, Plugins, camel
from engine import Props, Secret, up
from hosted import ProviderError
from plugin_host import FUNCTION
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from samples import declaration

Start = Callable[..., Any]


@pytest.fixture
def canary_emulator() -> Iterator[Emulator]:
    """An emulator that accepts only the canary token."""
    with Emulator(token=CANARY_TOKEN) as emu:
        yield emu


@pytest.fixture
def start(
    door_name: str, provider_host_factory: Callable[..., ProviderHost], canary_emulator: Emulator
) -> Iterator[Start]:
    """Processes of `door_name` configured with the canary token as a secret, against ``canary_emulator``."""
    if door_name == "dynamic":
        yield dynamic_starter(provider_host_factory, canary_emulator)
        return
    plugins = Plugins(canary_emulator)
    yield plugin_starter(plugins)
    plugins.stop()


# --- the lifecycle: each door's own way of keeping the value secret ----------------------------------------


def _dynamic_lifecycle(start: Start, canary_emulator: Emulator) -> None:
    """The value only as the `value` output, in one process."""
    host = start()
    news = dynamic_declaration("hygiene")
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


def _plugin_lifecycle(start: Start, canary_emulator: Emulator) -> None:
    """The value only inside what the answer marks secret, a process per command; the function and an
    import by id show no value."""
    host = start()
    news = plugin_declaration("hygiene")
    checked = host.check(news)
    assert checked.failures == [] and checked.inputs.is_secret("value")
    id_, outs = host.create(checked.inputs)
    inputs = checked.inputs
    # Positive controls: the token was accepted, the value reached GitHub sealed and came back, secret.
    assert canary_emulator.decrypted_value("hygiene", NAME) == CANARY_VALUE
    assert outs["value"] == CANARY_VALUE and outs["valueEncrypted"]
    assert_secrets_marked(outs)
    assert host.transcript[-1].method == "Create" and "[secret]" in host.transcript[-1].answer

    reader = start()
    read = reader.read(id_, outs, inputs)
    assert read.inputs is not None and read.outputs["value"] == CANARY_VALUE
    assert_secrets_marked(read.outputs)
    assert_secrets_marked(read.inputs)

    canary_emulator.rotate_key("hygiene")  # the update reseals after GitHub refuses the old key
    writer = start()
    second = {**news, "url": "https://npm.pkg.github.com/acme/v2/", "value": Secret(CANARY_VALUE + "-2")}
    checked = writer.check(second, read.inputs)
    assert_secrets_marked(checked.inputs)
    assert writer.diff(id_, read.outputs, checked.inputs, old_inputs=read.inputs).changes == "some"
    updated = writer.update(id_, read.outputs, checked.inputs, old_inputs=read.inputs)
    assert canary_emulator.decrypted_value("hygiene", NAME) == CANARY_VALUE + "-2"
    assert_secrets_marked(updated)

    listed = writer.invoke(FUNCTION, {"org": "hygiene"}).value["registries"]
    assert [r["id"] for r in listed] == [id_]
    imported = start().read(id_)
    assert "value" not in imported.outputs and imported.inputs is not None and "value" not in imported.inputs
    writer.delete(id_, updated, old_inputs=checked.inputs)
    assert canary_emulator.registry("hygiene", NAME) is None
    for each in (host, reader, writer):
        assert_plugin_clean(each)


LIFECYCLES: dict[str, Callable[[Start, Emulator], None]] = {
    "dynamic": _dynamic_lifecycle,
    "plugin": _plugin_lifecycle,
}


@pytest.mark.parametrize("door_name", DOORS)
def test_the_lifecycle_shows_the_value_only_where_it_may(
    start: Start, canary_emulator: Emulator, door_name: str
) -> None:
    LIFECYCLES[door_name](start, canary_emulator)


# --- error paths: what each door asserts beyond the shared paths of `canaries` ------------------------------


def _dynamic_rate_limit_waited_on(start: Start, emu: Emulator) -> list[str]:
    emu.inject(method="POST", status=429, headers={"Retry-After": "1"}, body={"message": SECONDARY_MESSAGE})
    host = start()
    _, outs, _ = up(host, dynamic_declaration("waited"))
    assert_outputs_clean(outs)
    assert "rate limit" in host.stderr_text(), "the wait is logged: stderr is really looked at"
    assert_host_clean(host)
    return []


def _plugin_rate_limit_waited_on(start: Start, emu: Emulator) -> list[str]:
    emu.inject(method="POST", status=429, headers={"Retry-After": "1"}, body={"message": SECONDARY_MESSAGE})
    host = start()
    _, outs, _ = up(host, plugin_declaration("waited"))
    assert_secrets_marked(outs)
    assert emu.count("POST") == 2, "the create was waited on and sent again"
    assert_plugin_clean(host)
    return []


def _adopt_with_another_auth_type(
    hygiene: canaries.Hygiene, words: str, start: Start, emu: Emulator
) -> list[str]:
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
        up(host, hygiene.declaration("other-auth", adopt=True))
    assert words in failure.value.details
    hygiene.assert_clean(host)
    return [failure.value.details]


def _dynamic_invalid_declaration(start: Start, emu: Emulator) -> list[str]:
    host = start()
    checked = host.check(declaration("oidc_azure", "invalid", value=CANARY_VALUE))
    assert checked.failures, "a value on an OIDC registry is refused at check"
    assert_host_clean(host)
    assert emu.count() == 0
    return [reason for _, reason in checked.failures]


def _plugin_invalid_declaration(start: Start, emu: Emulator) -> list[str]:
    host = start()
    checked = host.check(camel(declaration("oidc_azure", "invalid", value=CANARY_VALUE)))
    assert [prop for prop, _ in checked.failures] == ["value"], "a value on an OIDC registry is refused"
    assert_plugin_clean(host)
    assert emu.count() == 0
    return [reason for _, reason in checked.failures]


def _shared(hygiene: canaries.Hygiene) -> dict[str, Callable[[Start, Emulator], list[str]]]:
    """The error paths both doors walk alike, as `hygiene` drives them."""
    return {
        "wrong token (401)": partial(canaries.wrong_token, hygiene),
        "create refused (422)": partial(canaries.refused_create, hygiene),
        "server error on every create (500)": partial(canaries.server_errors_on_every_create, hygiene),
        "update rate-limited beyond the wait allowed": partial(canaries.update_rate_limited, hygiene),
        "exists without adopt": partial(canaries.exists_without_adopt, hygiene),
        "delete refused (403)": partial(canaries.refused_delete, hygiene),
        "refresh rate-limited": partial(canaries.refresh_rate_limited, hygiene),
    }


ERROR_PATHS: dict[str, dict[str, Callable[[Start, Emulator], list[str]]]] = {
    "dynamic": {
        **_shared(DYNAMIC),
        "create rate-limited then waited on": _dynamic_rate_limit_waited_on,
        "adopt with another auth type": partial(_adopt_with_another_auth_type, DYNAMIC, "auth_type"),
        "invalid declaration at check": _dynamic_invalid_declaration,
    },
    "plugin": {
        **_shared(PLUGIN),
        "create rate-limited then waited on": _plugin_rate_limit_waited_on,
        "adopt with another auth type": partial(_adopt_with_another_auth_type, PLUGIN, "cannot adopt"),
        "invalid declaration at check": _plugin_invalid_declaration,
    },
}
assert ERROR_PATHS["dynamic"].keys() == ERROR_PATHS["plugin"].keys()


@pytest.mark.parametrize("door_name", DOORS)
@pytest.mark.parametrize("path", list(ERROR_PATHS["dynamic"]))
def test_no_error_path_shows_the_token_or_the_value(
    start: Start, canary_emulator: Emulator, path: str, door_name: str
) -> None:
    for text in ERROR_PATHS[door_name][path](start, canary_emulator):
        assert CANARY_TOKEN not in text
        assert CANARY_VALUE not in text
        assert leaks(text) == []
