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
- Because the host declares acceptSecrets=False the engine sends secret inputs unwrapped: send plain values.
- Because the host does not declare supportsPreview, the engine answers Create/Update during preview itself
  (outputs = inputs, no id) without calling the provider; `create`/`update` with preview=True do the same.

Values are plain Python values; numbers travel as protobuf doubles, so they come back as floats, as they do
in Pulumi state. `UNKNOWN` stands for a value not known during preview.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from google.protobuf import struct_pb2
from pulumi.dynamic import ConfigureRequest, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2

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
    "UNKNOWN",
    "CheckOutcome",
    "DiffOutcome",
    "ProtocolViolation",
    "ProviderError",
    "ProviderHost",
    "ReadOutcome",
    "change",
    "up",
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

_UNKNOWN_WIRE: Final = rpc.UNKNOWN
_SIG_KEY: Final = rpc._special_sig_key
_SECRET_SIG: Final = rpc._special_secret_sig


class _Unknown:
    """The type of `UNKNOWN`."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""A value not known yet (preview): sent as the engine's unknown sentinel; unknown outputs decode to it."""


class ProtocolViolation(Exception):
    """The host answered something the engine itself would reject (e.g. an unknown output outside preview)."""


@dataclass(frozen=True)
class CheckOutcome:
    """What Check answered: the inputs to use and (property, reason) failures."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DiffOutcome:
    """What Diff answered."""

    changes: Literal["none", "some", "unknown"]
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass(frozen=True)
class ReadOutcome:
    """What Read answered: `id` is "" if the resource is gone; `inputs` is None unless the provider set it."""

    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None = None


def _to_value(value: Any, *, allow_unknowns: bool, path: str) -> Any:
    """One plain value as a protobuf Value, as the engine marshals it for a host without secret support."""
    if value is UNKNOWN:
        if not allow_unknowns:
            raise ValueError(f"{path} is UNKNOWN, but the engine sends unknown values only during preview")
        return struct_pb2.Value(string_value=_UNKNOWN_WIRE)
    if value is None:
        return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, (int, float)):
        return struct_pb2.Value(number_value=float(value))
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    if isinstance(value, Mapping):
        return struct_pb2.Value(struct_value=_to_struct(value, allow_unknowns=allow_unknowns, path=path))
    if isinstance(value, (list, tuple)):
        items = [
            _to_value(item, allow_unknowns=allow_unknowns, path=f"{path}[{i}]")
            for i, item in enumerate(value)
        ]
        return struct_pb2.Value(list_value=struct_pb2.ListValue(values=items))
    raise TypeError(f"{path}: cannot send a {type(value).__name__} as a property value")


def _to_struct(props: Mapping[str, Any], *, allow_unknowns: bool = False, path: str = "") -> Any:
    struct = struct_pb2.Struct()
    for key, value in props.items():
        struct.fields[key].CopyFrom(
            _to_value(value, allow_unknowns=allow_unknowns, path=f"{path}.{key}" if path else key)
        )
    return struct


def _from_value(value: Any, *, allow_unknowns: bool, path: str) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        if value.string_value == _UNKNOWN_WIRE:
            if not allow_unknowns:
                raise ProtocolViolation(f"{path} came back unknown outside preview; the engine rejects this")
            return UNKNOWN
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        if fields.get(_SIG_KEY) is not None and fields[_SIG_KEY].string_value == _SECRET_SIG:
            # Outputs are plain values here: a secret envelope yields the value it wraps.
            return _from_value(fields["value"], allow_unknowns=allow_unknowns, path=path)
        return _from_struct(value.struct_value, allow_unknowns=allow_unknowns, path=path)
    if kind == "list_value":
        return [
            _from_value(item, allow_unknowns=allow_unknowns, path=f"{path}[{i}]")
            for i, item in enumerate(value.list_value.values)
        ]
    return None


def _from_struct(struct: Any, *, allow_unknowns: bool = False, path: str = "") -> dict[str, Any]:
    return {
        key: _from_value(value, allow_unknowns=allow_unknowns, path=f"{path}.{key}" if path else key)
        for key, value in struct.fields.items()
    }


def _outputs(struct: Any, *, allow_unknowns: bool = False) -> dict[str, Any]:
    props = _from_struct(struct, allow_unknowns=allow_unknowns)
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
        args = struct_pb2.Struct()
        for key, value in config.items():
            wire = _to_value(value, allow_unknowns=False, path=key)
            if key in secret_keys:
                envelope = struct_pb2.Struct()
                envelope.fields[_SIG_KEY].string_value = _SECRET_SIG
                envelope.fields["value"].CopyFrom(wire)
                wire = struct_pb2.Value(struct_value=envelope)
            args.fields[key].CopyFrom(wire)
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
                olds=_to_struct(self._with_provider(olds), allow_unknowns=preview)
                if olds is not None
                else None,
                news=_to_struct(self._with_provider(news), allow_unknowns=preview),
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
                olds=_to_struct(self._with_provider(olds)),
                news=_to_struct(self._with_provider(news), allow_unknowns=True),
                old_inputs=_to_struct(self._with_provider(olds if old_inputs is None else old_inputs)),
            ),
        )
        return DiffOutcome(
            changes=DIFF_CHANGES[response.changes],
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
        )

    def create(self, news: Mapping[str, Any], *, preview: bool = False) -> tuple[str, dict[str, Any]]:
        """Create from checked inputs; returns (id, outputs).

        During preview the engine does not call a host without supportsPreview: it answers ("", inputs).
        """
        self._require_configured()
        properties = _to_struct(self._with_provider(news), allow_unknowns=preview)
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
                properties=_to_struct(self._with_provider(props)),
                inputs=_to_struct(self._with_provider(inputs)) if inputs is not None else None,
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
    ) -> dict[str, Any]:
        """Update from old outputs to checked new inputs; returns the new outputs.

        During preview the engine does not call a host without supportsPreview: it answers with the inputs.
        The engine also sends the old inputs; they default to `olds` (the host does not read them).
        """
        self._require_configured()
        new_struct = _to_struct(self._with_provider(news), allow_unknowns=preview)
        if preview and not self.supports_preview:
            return _outputs(new_struct, allow_unknowns=True)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=_to_struct(self._with_provider(olds)),
                news=new_struct,
                preview=preview,
                old_inputs=_to_struct(self._with_provider(olds if old_inputs is None else old_inputs)),
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
                properties=_to_struct(self._with_provider(props)),
                old_inputs=_to_struct(self._with_provider(props if old_inputs is None else old_inputs)),
            ),
        )

    # -- internals -----------------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        return [self._python, "-u", "-m", "pulumi.dynamic", self.engine_address]

    def _environment(self) -> dict[str, str]:
        return _child_env(self._env)

    def _with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {PROVIDER_KEY: self.provider_blob, **props}


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


def up(host: ProviderHost, news: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Check + Create, as `pulumi up` does for a new resource: (id, outputs, checked inputs)."""
    checked = host.check(news)
    assert checked.failures == [], checked.failures
    id_, outs = host.create(checked.inputs)
    return id_, outs, checked.inputs


def change(
    host: ProviderHost,
    id_: str,
    state: Mapping[str, Any],
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
) -> dict[str, Any]:
    """Check + Diff + Update, as `pulumi up` does for a resource changed in place: the new outputs."""
    checked = host.check(news, olds)
    assert checked.failures == [], checked.failures
    diff = host.diff(id_, state, checked.inputs)
    assert diff.changes == "some" and diff.replaces == [], diff
    return host.update(id_, state, checked.inputs)
