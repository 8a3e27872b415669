"""Canary token and canary value through the provider plugin: where may they appear?

The token (a secret provider input, as `pulumi config set --secret github-private-registry:token` makes it)
must appear in no answer, no error, and not in the plugin's stderr or stdout. The plaintext value may
appear only inside a property the answer marks secret (`value`), never in plaintext elsewhere, not even
base64-encoded. `value` and `valueEncrypted` come back secret from Check, Create, Read and Update.

CheckConfig's echo of its inputs is left out of the search: the engine sends CheckConfig the
configuration without secret envelopes and marks the echo secret again itself (`annotateSecrets` in
pulumi/pulumi's provider_plugin.go); its failures are searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

import canaries
from canaries import CANARY_TOKEN, CANARY_VALUE, NAME, decoded
from doors import Plugins, camel
from engine import Props, Secret, up
from hosted import ProviderError
from plugin_host import FUNCTION, PluginHost
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator
from samples import declaration

pytestmark = pytest.mark.slow

CANARY_USER = "CANARY-SECRET-USERNAME-7"
CANARIES = (CANARY_TOKEN, CANARY_VALUE)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")

Start = Callable[..., PluginHost]


@pytest.fixture
def canary_emulator() -> Iterator[Emulator]:
    """An emulator that accepts only the canary token."""
    with Emulator(token=CANARY_TOKEN) as emu:
        yield emu


@pytest.fixture
def start(canary_emulator: Emulator) -> Iterator[Start]:
    """A plugin process configured with the canary token as a secret input, against ``canary_emulator``."""
    plugins = Plugins(canary_emulator)

    def start_one(emu: Emulator | None = None, **config: Any) -> PluginHost:
        return plugins.start(emu, token=CANARY_TOKEN, maxRetryWait=2, **config)

    yield start_one
    plugins.stop()


def canary_declaration(org: str, **changes: Any) -> dict[str, Any]:
    return camel(declaration("token", org, value=CANARY_VALUE, **changes))


def leaks(text: str, canaries: tuple[str, ...] = CANARIES) -> list[str]:
    """The canaries `text` shows, plainly or base64-encoded (a value merely encoded is still leaked)."""
    shown = [c for c in canaries if c in text]
    for run in _BASE64_RUN.findall(text):
        shown += [c for c in canaries if c.encode() in decoded(run + "=" * (-len(run) % 4))]
    return shown


def assert_secrets_marked(props: Props) -> None:
    """The value and its ciphertext, wherever present, are secret; nothing else is."""
    assert props.secret == {"value", "valueEncrypted"} & set(props), props.secret


def assert_clean(host: PluginHost, canaries: tuple[str, ...] = CANARIES) -> None:
    """Neither canary in any answer's plaintext, nor in an error, nor in what the process wrote."""
    assert host.transcript, "the answers are really looked at"
    assert leaks(host.transcript_text(skip={"CheckConfig"}), canaries) == []
    assert leaks(host.stderr_text(), canaries) == [] and leaks(host.stdout_text(), canaries) == []


def test_the_lifecycle_shows_the_value_only_inside_secrets(start: Start, canary_emulator: Emulator) -> None:
    host = start()
    news = canary_declaration("hygiene")
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
        assert_clean(each)


def test_a_sealed_value_comes_back_secret(start: Start, canary_emulator: Emulator) -> None:
    key_id, key = canary_emulator.public_key("sealed")
    sealed = seal(CANARY_VALUE, PublicKey(key_id, key))
    news = {
        **{k: v for k, v in canary_declaration("sealed").items() if k != "value"},
        "valueEncrypted": Secret(sealed.encrypted_value),
        "keyId": key_id,
    }
    host = start()
    checked = host.check(news)
    assert checked.failures == [] and checked.inputs["valueEncrypted"] == sealed.encrypted_value
    assert_secrets_marked(checked.inputs)
    id_, outs = host.create(checked.inputs)
    assert canary_emulator.decrypted_value("sealed", NAME) == CANARY_VALUE
    assert_secrets_marked(outs)
    read = start().read(id_, outs, checked.inputs)
    assert read.inputs is not None
    assert_secrets_marked(read.outputs)
    assert_secrets_marked(read.inputs)
    changed = {**news, "url": "https://npm.pkg.github.com/acme/v3/"}
    writer = start()
    rechecked = writer.check(changed, read.inputs)
    updated = writer.update(id_, read.outputs, rechecked.inputs, old_inputs=read.inputs)
    assert updated["valueEncrypted"] == sealed.encrypted_value
    assert_secrets_marked(updated)
    assert sealed.encrypted_value not in writer.transcript_text() + host.transcript_text()


def test_an_input_the_program_marks_secret_stays_secret(start: Start) -> None:
    host = start()
    news = {**canary_declaration("secret-user"), "username": Secret(CANARY_USER)}
    checked = host.check(news)
    assert checked.failures == []
    _, outs = host.create(checked.inputs)
    assert checked.inputs.is_secret("username") and outs.is_secret("username")
    assert_clean(host, (CANARY_USER, *CANARIES))


# --- error paths --------------------------------------------------------------------------------------


def _rate_limit_waited_on(start: Start, emu: Emulator) -> list[str]:
    emu.inject(method="POST", status=429, headers={"Retry-After": "1"}, body={"message": SECONDARY_MESSAGE})
    host = start()
    _, outs, _ = up(host, canary_declaration("waited"))
    assert_secrets_marked(outs)
    assert emu.count("POST") == 2, "the create was waited on and sent again"
    assert_clean(host)
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
    assert "cannot adopt" in failure.value.details
    assert_clean(host)
    return [failure.value.details]


def _invalid_declaration(start: Start, emu: Emulator) -> list[str]:
    host = start()
    checked = host.check(camel(declaration("oidc_azure", "invalid", value=CANARY_VALUE)))
    assert [prop for prop, _ in checked.failures] == ["value"], "a value on an OIDC registry is refused"
    assert_clean(host)
    assert emu.count() == 0
    return [reason for _, reason in checked.failures]


def _bad_id(start: Start, emu: Emulator) -> list[str]:
    host = start()
    details = []
    for id_ in (f"{CANARY_VALUE}/x", "hygiene/NPM_REGISTRY_SECRET"):
        with pytest.raises(ProviderError) as failure:
            host.read(id_)
        details.append(failure.value.details.replace(CANARY_VALUE, "<the id>"))
    assert_clean(host, (CANARY_TOKEN,))
    return details


def _token_with_a_space_at_check_config(start: Start, emu: Emulator) -> list[str]:
    host = start(configure=False)
    spaced = CANARY_TOKEN[:10] + " " + CANARY_TOKEN[10:]
    checked = host.check_config({"token": spaced, "baseUrl": emu.base_url})
    assert [prop for prop, _ in checked.failures] == ["token"]
    reasons = [reason for _, reason in checked.failures]
    assert not any(half in r for r in reasons for half in spaced.split())
    return reasons


def _token_with_a_space_at_configure(start: Start, emu: Emulator) -> list[str]:
    host = start(configure=False)
    spaced = CANARY_TOKEN[:10] + " " + CANARY_TOKEN[10:]
    details = []
    try:
        host.configure({"token": spaced, "baseUrl": emu.base_url, "writeDelayMs": 0})
        up(host, canary_declaration("spaced"))
    except ProviderError as failure:
        details.append(failure.details)
    assert details, "a token with a space is refused, at Configure or at the first request"
    assert not any(half in d for d in details for half in spaced.split())
    assert_clean(host)
    return details


HYGIENE = canaries.Hygiene(
    declaration=canary_declaration,
    up=up,
    assert_clean=assert_clean,
    secret=Secret,
    sends_old_inputs=True,
)

ERROR_PATHS: dict[str, Callable[[Start, Emulator], list[str]]] = {
    "wrong token (401)": partial(canaries.wrong_token, HYGIENE),
    "create refused (422)": partial(canaries.refused_create, HYGIENE),
    "server error on every create (500)": partial(canaries.server_errors_on_every_create, HYGIENE),
    "update rate-limited beyond the wait allowed": partial(canaries.update_rate_limited, HYGIENE),
    "create rate-limited then waited on": _rate_limit_waited_on,
    "exists without adopt": partial(canaries.exists_without_adopt, HYGIENE),
    "adopt with another authType": _adopt_with_another_auth_type,
    "delete refused (403)": partial(canaries.refused_delete, HYGIENE),
    "refresh rate-limited": partial(canaries.refresh_rate_limited, HYGIENE),
    "invalid declaration at check": _invalid_declaration,
    "malformed and unknown ids": _bad_id,
    "token with a space at CheckConfig": _token_with_a_space_at_check_config,
    "token with a space at Configure": _token_with_a_space_at_configure,
}


@pytest.mark.parametrize("path", list(ERROR_PATHS))
def test_no_error_path_shows_the_token_or_the_value(
    start: Start, canary_emulator: Emulator, path: str
) -> None:
    for text in ERROR_PATHS[path](start, canary_emulator):
        assert leaks(text) == []
