"""Drive the real Python dynamic-provider host the way the Pulumi engine does.

The CLI runs a dynamic provider as `pulumi-resource-pulumi-python`, i.e. `python -u -m pulumi.dynamic
<engine-address>`: the process prints its gRPC port as the first stdout line and then serves the
ResourceProvider service. `ProviderHost` starts that process and speaks to it with the same requests the
engine sends (see sdk/go/common/resource/plugin/provider_plugin.go in pulumi/pulumi):

- Configure: `args` holds the stack configuration under namespaced keys ("github:token"), `variables` the
  older "<pkg>:config:<key>" spelling; the host answers acceptSecrets=False and supportsPreview=False.
- Check: `olds` = old inputs (empty on create), `news` = new inputs.
- Diff: `olds` = old OUTPUTS, `news` = checked inputs, `old_inputs` = old inputs.
- Create: `properties` = checked inputs. Update: `olds` = old outputs, `news` = checked inputs, `old_inputs`.
- Read: `properties` = old outputs, `inputs` = old inputs. Delete: `properties` = outputs, `old_inputs`.
- Because the host declares acceptSecrets=False the engine sends secret inputs unwrapped: send plain values
  (a `Secret` in a resource call's properties is refused).
- Because the host does not declare supportsPreview, the engine answers Create/Update during preview itself
  (outputs = inputs, no id) without calling the provider; `create`/`update` with preview=True do the same.

Values and answers are the engine's (`engine`): plain Python values, numbers as floats, `UNKNOWN` for a value
not known during preview.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Collection, Mapping
from typing import Any, Final

from pulumi.dynamic import ConfigureRequest, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2

from engine import (
    CheckOutcome,
    DiffOutcome,
    Props,
    ProtocolViolation,
    ReadOutcome,
    Secret,
    to_props,
    to_struct,
)
from hosted import DIFF_CHANGES, PROJECT, REPO, STACK, HostedProcess, ProviderError, child_env
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider

__all__ = [
    "PROJECT",
    "PROVIDER_KEY",
    "RESOURCE_NAME",
    "RESOURCE_TYPE",
    "RESOURCE_URN",
    "STACK",
    "ProviderError",
    "ProviderHost",
]

PROVIDER_KEY: Final = "__provider"
"""The property under which the serialized provider travels with every resource."""

RESOURCE_TYPE: Final = "pulumi-python:dynamic/github:OrgPrivateRegistry"
RESOURCE_NAME: Final = "name"
RESOURCE_URN: Final = f"urn:pulumi:{STACK}::{PROJECT}::{RESOURCE_TYPE}::{RESOURCE_NAME}"

# The default provider the engine registers for dynamic resources, and which it names in Configure.
_PROVIDER_PACKAGE: Final = "pulumi-python"
_PROVIDER_TYPE: Final = f"pulumi:providers:{_PROVIDER_PACKAGE}"
_PROVIDER_URN: Final = f"urn:pulumi:{STACK}::{PROJECT}::{_PROVIDER_TYPE}::default"
_PROVIDER_ID: Final = "3f1c8a52-6a0d-4c59-9f3e-0d4a2b7c9e11"

# The host ignores the engine address it is given; the engine always passes one.
_ENGINE_ADDRESS: Final = "127.0.0.1:0"

_CHILD_PYTHONPATH: Final = (str(REPO / "provider"), str(REPO / "tests"))


def _outputs(struct: Any, *, allow_unknowns: bool = False) -> Props:
    """An answer's properties without the serialized provider that travels with them."""
    props = to_props(struct, allow_unknowns=allow_unknowns)
    props.pop(PROVIDER_KEY, None)
    return props


def _child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The developer's environment without GITHUB_* variables, the engine's PULUMI_PROJECT, then `extra`."""
    return child_env(extra, _CHILD_PYTHONPATH)


class ProviderHost(HostedProcess):
    """A `python -u -m pulumi.dynamic` subprocess and a gRPC stub to it."""

    noun = "provider host"
    workdir_prefix = "provider-host-"
    engine_address = _ENGINE_ADDRESS

    def __init__(
        self,
        provider: ResourceProvider | None = None,
        *,
        env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        provider_blob: str | None = None,
    ) -> None:
        """Serve `provider`, or, given `provider_blob` instead, the `__provider` value as a stack's state
        holds it (e.g. one an older version wrote): it is sent as it is with every resource call."""
        if (provider is None) == (provider_blob is None):
            raise TypeError("give ProviderHost either a provider or a provider_blob")
        # Serialized exactly as pulumi.dynamic.Resource does it (serialization context included).
        self.provider_blob: str = (
            provider_blob if provider_blob is not None else _serialize(True, serialize_provider, provider)[0]
        )
        super().__init__(env=env, python=python)

    # -- the engine's calls --------------------------------------------------------------------------------

    def configure(self, config: Mapping[str, Any], *, secret_keys: Collection[str] = ()) -> None:
        """Send Configure with the stack configuration (namespaced keys such as "github:token").

        The engine configures a provider process exactly once, before any resource call; so does this.
        `secret_keys` names values to send inside a secret envelope, as Configure carries
        `pulumi config set --secret` values (the host unwraps them).
        """
        if self._configured:
            raise RuntimeError("the engine configures a provider process once; start another host")
        args = to_struct(
            {key: Secret(value) if key in secret_keys else value for key, value in config.items()}
        )
        variables = {
            f"{_PROVIDER_PACKAGE}:config:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()
        }
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=args,
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=_PROVIDER_URN,
                name="default",
                type=_PROVIDER_TYPE,
                id=_PROVIDER_ID,
            ),
        )
        self.accept_secrets = bool(response.acceptSecrets)
        self.supports_preview = bool(response.supportsPreview)
        self._configured = True

    def check(
        self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, *, preview: bool = False
    ) -> CheckOutcome:
        """Check new inputs against old inputs (None on create: the engine sends an empty map)."""
        self._require_configured()
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=self._struct(olds, allow_unknowns=preview) if olds is not None else None,
                news=self._struct(news, allow_unknowns=preview),
                randomSeed=os.urandom(32),
            ),
        )
        return CheckOutcome(
            inputs=_outputs(response.inputs, allow_unknowns=preview),
            failures=[(failure.property, failure.reason) for failure in response.failures],
        )

    def diff(
        self,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
    ) -> DiffOutcome:
        """Diff old outputs against checked new inputs (which may hold UNKNOWN during preview).

        The engine also sends the old inputs; they default to `olds` (the host does not read them).
        """
        self._require_configured()
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=self._struct(olds),
                news=self._struct(news, allow_unknowns=True),
                old_inputs=self._struct(olds if old_inputs is None else old_inputs),
            ),
        )
        return DiffOutcome(
            changes=DIFF_CHANGES[response.changes],
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
        )

    def create(self, news: Mapping[str, Any], *, preview: bool = False) -> tuple[str, Props]:
        """Create from checked inputs; returns (id, outputs).

        During preview the engine does not call a host without supportsPreview: it answers ("", inputs).
        """
        self._require_configured()
        properties = self._struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return "", _outputs(properties, allow_unknowns=True)
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                properties=properties,
                preview=preview,
            ),
        )
        if not response.id and not preview:
            raise ProtocolViolation("the provider returned an empty id from create; the engine rejects this")
        return response.id, _outputs(response.properties, allow_unknowns=preview)

    def read(self, id: str, props: Mapping[str, Any], inputs: Mapping[str, Any] | None = None) -> ReadOutcome:
        """Read (refresh) from old outputs and, as on refresh, old inputs (None: not sent, as for a get)."""
        self._require_configured()
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                properties=self._struct(props),
                inputs=self._struct(inputs) if inputs is not None else None,
            ),
        )
        return ReadOutcome(
            id=response.id,
            outputs=_outputs(response.properties),
            inputs=_outputs(response.inputs) if response.HasField("inputs") else None,
        )

    def update(
        self,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        preview: bool = False,
        old_inputs: Mapping[str, Any] | None = None,
    ) -> Props:
        """Update from old outputs to checked new inputs; returns the new outputs.

        During preview the engine does not call a host without supportsPreview: it answers with the inputs.
        The engine also sends the old inputs; they default to `olds` (the host does not read them).
        """
        self._require_configured()
        new_struct = self._struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return _outputs(new_struct, allow_unknowns=True)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=self._struct(olds),
                news=new_struct,
                preview=preview,
                old_inputs=self._struct(olds if old_inputs is None else old_inputs),
            ),
        )
        return _outputs(response.properties, allow_unknowns=preview)

    def delete(
        self, id: str, props: Mapping[str, Any], *, old_inputs: Mapping[str, Any] | None = None
    ) -> None:
        """Delete given the last outputs (old inputs default to them; the host does not read them)."""
        self._require_configured()
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                properties=self._struct(props),
                old_inputs=self._struct(props if old_inputs is None else old_inputs),
            ),
        )

    # -- internals -----------------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        return [self._python, "-u", "-m", "pulumi.dynamic", self.engine_address]

    def _environment(self) -> dict[str, str]:
        return _child_env(self._env)

    def _struct(self, props: Mapping[str, Any], *, allow_unknowns: bool = False) -> Any:
        """A resource call's properties, the provider with them, as the engine sends them to this host.

        The host answered Configure with acceptSecrets=False, so the engine sends it no secret envelope:
        a `Secret` given here is refused, since a test that sent one would test what never happens.
        """
        _refuse_secrets(props)
        return to_struct(self._with_provider(props), allow_unknowns=allow_unknowns)

    def _with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {PROVIDER_KEY: self.provider_blob, **props}


def _refuse_secrets(value: Any, path: str = "") -> None:
    """Raise TypeError at the first `Secret` in `value` (a property map, or one value at `path`)."""
    if isinstance(value, Secret):
        raise TypeError(
            f"{path}: the engine sends the dynamic provider host no secrets (it answers Configure with"
            " acceptSecrets=False): send the plain value"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_secrets(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _refuse_secrets(item, f"{path}[{i}]")


class _Config:
    """The part of ``pulumi.Config`` the dynamic provider's configure reads."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def get(self, key: str) -> Any:
        return self._values.get(key)


def configured_here(emulator: Emulator, **extra: Any) -> OrgPrivateRegistryProvider:
    """An ``OrgPrivateRegistryProvider`` configured in this process against ``emulator`` (token
    test-token, no write delay), as the host configures each instance; ``extra`` overrides config."""
    provider = OrgPrivateRegistryProvider()
    config = {
        "github:token": "test-token",
        "github:baseUrl": emulator.base_url,
        "github:writeDelayMs": "0",
        **extra,
    }
    provider.configure(ConfigureRequest(config=_Config(config)))  # type: ignore[arg-type]
    return provider
