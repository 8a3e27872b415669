"""Drive the provider plugin (`python -m pulumi_github_private_registry.plugin`) as the Pulumi engine does.

The CLI starts a provider plugin with the engine's address as its one argument; the process prints its
gRPC port as the first stdout line and then serves the ResourceProvider service. `PluginHost` starts that
process and sends the requests the engine sends to a plugin that answers Configure with acceptSecrets=True
(see sdk/go/common/resource/plugin/provider_plugin.go in pulumi/pulumi):

- After the port line: Handshake (a plugin may answer UNIMPLEMENTED), then GetPluginInfo.
- CheckConfig: `urn` of the provider resource; `olds`/`news` = the provider's inputs, camelCase, with
  secrets sent as plain values (the engine marshals them without KeepSecrets and marks the answer's
  inputs secret again itself) and unknowns only during preview.
- Configure: `args` = the provider's inputs (camelCase: token, baseUrl, owner, writeDelayMs, ...), secrets in
  their envelope; `variables` = the same under the older "github-private-registry:config:<key>" spelling as
  strings (JSON for what is not a string); acceptSecrets, acceptResources, sendsOldInputs(ToDelete) = True.
  The engine never sends Configure while a value is unknown.
- Check: `olds` = old inputs (an empty map on create), `news` = new inputs, secrets in envelopes.
- Diff: `olds` = old OUTPUTS, `news` = checked inputs (unknowns allowed), `old_inputs` = old inputs.
- Create: `properties` = checked inputs. Update: `olds` = old outputs, `news` = checked inputs, `old_inputs`.
- Read: `properties` = old outputs, `inputs` = old inputs; an import sends only the id (empty properties,
  no inputs). Delete: `properties` = outputs, `old_inputs` = inputs.
- A plugin that does not declare supportsPreview is not called for Create/Update during preview: the engine
  answers with the inputs itself; `create`/`update` with preview=True do the same.
- The engine rejects an unknown value in an answer outside preview, and an empty id from Create.

Values are plain Python values with the plugin's camelCase keys. `Secret(x)` sends `x` in a secret
envelope; `UNKNOWN` is sent as the engine's unknown sentinel. Answers come back as `Props`: a dict of plain
values whose `secret` attribute names the properties that came back inside a secret envelope. A `Props`
sent back (state, as the engine keeps it) travels with those envelopes again. Numbers travel as protobuf
doubles and come back as floats, as in Pulumi state. Every answer is also kept in `transcript` with the
content of each secret envelope replaced by "[secret]": what a reader of the answer sees in plaintext.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from hosted import DIFF_CHANGES, PROJECT, STACK, HostedProcess, ProviderError
from provider_host import UNKNOWN, ProtocolViolation

__all__ = [
    "FUNCTION",
    "PACKAGE",
    "PROVIDER_URN",
    "RESOURCE_TYPE",
    "RESOURCE_URN",
    "UNKNOWN",
    "CheckOutcome",
    "DiffOutcome",
    "Exchange",
    "InvokeOutcome",
    "PluginHost",
    "Props",
    "ProtocolViolation",
    "ProviderError",
    "ReadOutcome",
    "Secret",
    "provider_urn",
    "up",
]

PACKAGE: Final = "github-private-registry"
RESOURCE_TYPE: Final = f"{PACKAGE}:index:OrgPrivateRegistry"
FUNCTION: Final = f"{PACKAGE}:index:getOrgPrivateRegistries"
RESOURCE_NAME: Final = "registry"
RESOURCE_URN: Final = f"urn:pulumi:{STACK}::{PROJECT}::{RESOURCE_TYPE}::{RESOURCE_NAME}"
_PROVIDER_TYPE: Final = f"pulumi:providers:{PACKAGE}"
_PROVIDER_ID: Final = "8d3c1f0e-5b7a-4e21-9c44-2f6a1d0b7e53"


def provider_urn(name: str = "default") -> str:
    """The URN of a provider resource: ``default`` is the default provider, any other name an explicit one."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{_PROVIDER_TYPE}::{name}"


PROVIDER_URN: Final = provider_urn()

# The engine passes its own address; the plugin may dial it for logging, which we do not serve.
_ENGINE_ADDRESS: Final = "127.0.0.1:1"

_UNKNOWN_WIRE: Final = rpc.UNKNOWN
_SIG_KEY: Final = rpc._special_sig_key
_SECRET_SIG: Final = rpc._special_secret_sig
_OUTPUT_SIG: Final = rpc._special_output_value_sig

_KINDS: Final = {value: name for name, value in provider_pb2.PropertyDiff.Kind.items()}


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret: sent inside a secret envelope."""

    value: Any


class Props(dict[str, Any]):
    """Properties of an answer as plain values; `secret` names those that came back secret.

    A name in `secret` is a top-level key, or a path into it (``key[0]``, ``key.inner``) for a secret
    nested deeper. Sent back to the plugin, the top-level secrets travel in their envelopes again.
    """

    def __init__(self, values: Mapping[str, Any] | None = None, secret: Iterable[str] = ()) -> None:
        super().__init__(values or {})
        self.secret: frozenset[str] = frozenset(secret)

    def is_secret(self, key: str) -> bool:
        """Whether the property `key` came back inside a secret envelope."""
        return key in self.secret


@dataclass(frozen=True)
class CheckOutcome:
    """What Check or CheckConfig answered: the inputs to use and (property, reason) failures."""

    inputs: Props
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> dict[str, str]:
        """The failures by property (the last reason when one property has several)."""
        return dict(self.failures)


@dataclass(frozen=True)
class DiffOutcome:
    """What Diff answered; `detailed` maps a property to (kind, input_diff), kind as the proto names it."""

    changes: Literal["none", "some", "unknown"]
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    diffs: list[str] = field(default_factory=list)
    detailed: dict[str, tuple[str, bool]] = field(default_factory=dict)
    has_detailed_diff: bool = False

    @property
    def kinds(self) -> dict[str, str]:
        """The detailed diff's kinds by property (``UPDATE``, ``UPDATE_REPLACE``, ...)."""
        return {name: kind for name, (kind, _) in self.detailed.items()}


@dataclass(frozen=True)
class ReadOutcome:
    """What Read answered: `id` is "" when the resource is gone; `inputs` None unless the plugin set them."""

    id: str
    outputs: Props
    inputs: Props | None = None


@dataclass(frozen=True)
class InvokeOutcome:
    """What Invoke answered: the function's result and (property, reason) failures."""

    value: Props
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Exchange:
    """One call as a reader of its answer sees it: secret envelopes' contents replaced by "[secret]"."""

    method: str
    answer: str
    """The answer as JSON, or the error's code and details."""
    failed: bool = False


# --- values on the wire ---------------------------------------------------------------------------------


def _to_value(value: Any, *, allow_unknowns: bool, keep_secrets: bool, path: str) -> Any:
    """One plain value as a protobuf Value, as the engine marshals it."""
    if isinstance(value, Secret):
        inner = _to_value(value.value, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=path)
        if not keep_secrets:
            return inner
        envelope = struct_pb2.Struct()
        envelope.fields[_SIG_KEY].string_value = _SECRET_SIG
        envelope.fields["value"].CopyFrom(inner)
        return struct_pb2.Value(struct_value=envelope)
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
        struct = _to_struct(value, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=path)
        return struct_pb2.Value(struct_value=struct)
    if isinstance(value, (list, tuple)):
        items = [
            _to_value(item, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=f"{path}[{i}]")
            for i, item in enumerate(value)
        ]
        return struct_pb2.Value(list_value=struct_pb2.ListValue(values=items))
    raise TypeError(f"{path}: cannot send a {type(value).__name__} as a property value")


def _to_struct(
    props: Mapping[str, Any], *, allow_unknowns: bool = False, keep_secrets: bool = True, path: str = ""
) -> Any:
    """Properties as a protobuf Struct; the top-level secrets of a `Props` travel in envelopes again."""
    secret = props.secret if isinstance(props, Props) else frozenset()
    struct = struct_pb2.Struct()
    for key, value in props.items():
        sent = Secret(value) if key in secret and not isinstance(value, Secret) else value
        struct.fields[key].CopyFrom(
            _to_value(
                sent,
                allow_unknowns=allow_unknowns,
                keep_secrets=keep_secrets,
                path=f"{path}.{key}" if path else key,
            )
        )
    return struct


def _from_value(value: Any, *, allow_unknowns: bool, path: str, secrets: set[str]) -> Any:
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
        sig = fields[_SIG_KEY].string_value if _SIG_KEY in fields else None
        if sig == _SECRET_SIG:
            secrets.add(path)
            return _from_value(fields["value"], allow_unknowns=allow_unknowns, path=path, secrets=secrets)
        if sig == _OUTPUT_SIG:
            if "secret" in fields and fields["secret"].bool_value:
                secrets.add(path)
            if "value" not in fields:
                if not allow_unknowns:
                    raise ProtocolViolation(f"{path} came back unknown outside preview")
                return UNKNOWN
            return _from_value(fields["value"], allow_unknowns=allow_unknowns, path=path, secrets=secrets)
        if sig is not None:
            raise ProtocolViolation(f"{path}: a property of this resource cannot be a {sig!r} value")
        return {
            key: _from_value(item, allow_unknowns=allow_unknowns, path=f"{path}.{key}", secrets=secrets)
            for key, item in fields.items()
        }
    if kind == "list_value":
        return [
            _from_value(item, allow_unknowns=allow_unknowns, path=f"{path}[{i}]", secrets=secrets)
            for i, item in enumerate(value.list_value.values)
        ]
    return None


def _props(struct: Any, *, allow_unknowns: bool = False) -> Props:
    secrets: set[str] = set()
    values = {
        key: _from_value(value, allow_unknowns=allow_unknowns, path=key, secrets=secrets)
        for key, value in struct.fields.items()
    }
    return Props(values, secrets)


def _scrub(node: Any) -> Any:
    """A JSON-shaped answer with every secret envelope's content replaced by "[secret]"."""
    if isinstance(node, dict):
        if node.get(_SIG_KEY) == _SECRET_SIG:
            return "[secret]"
        if node.get(_SIG_KEY) == _OUTPUT_SIG and node.get("secret") is True:
            return "[secret]"
        return {key: _scrub(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_scrub(item) for item in node]
    return node


def public_text(message: Any) -> str:
    """An answer as a reader sees it in plaintext: JSON with secret envelopes' contents hidden."""
    as_dict = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return json.dumps(_scrub(as_dict), sort_keys=True)


def _plain(value: Any) -> Any:
    """A configuration value as the engine puts it in `variables`: secrets unwrapped (JSON if no string)."""
    while isinstance(value, Secret):
        value = value.value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class PluginHost(HostedProcess):
    """A `python -u -m pulumi_github_private_registry.plugin` process and a gRPC stub to it."""

    startup_timeout = 30.0
    rpc_timeout = 30.0
    engine_address = _ENGINE_ADDRESS
    noun = "the plugin"
    workdir_prefix = "plugin-host-"

    def __init__(self, *, env: Mapping[str, str] | None = None, python: str = sys.executable) -> None:
        super().__init__(env=env, python=python)
        self.transcript: list[Exchange] = []

    def transcript_text(self, *, skip: Iterable[str] = ()) -> str:
        """Every answer (and error) so far as a reader sees it, but for the methods in `skip`."""
        skipped = set(skip)
        return "\n".join(f"{e.method}: {e.answer}" for e in self.transcript if e.method not in skipped)

    # -- the engine's calls --------------------------------------------------------------------------------

    def get_plugin_info(self) -> str:
        """GetPluginInfo: the plugin's version."""
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def get_schema(self) -> str:
        """GetSchema (version 0): the package schema's text."""
        return str(self._call("GetSchema", provider_pb2.GetSchemaRequest(version=0)).schema)

    def check_config(
        self,
        news: Mapping[str, Any],
        olds: Mapping[str, Any] | None = None,
        *,
        preview: bool = False,
        urn: str = PROVIDER_URN,
    ) -> CheckOutcome:
        """CheckConfig of the provider's inputs; secrets go unwrapped, as the engine sends them."""
        response = self._call(
            "CheckConfig",
            provider_pb2.CheckRequest(
                urn=urn,
                name=urn.rsplit("::", 1)[1],
                type=_PROVIDER_TYPE,
                olds=_to_struct(olds or {}, allow_unknowns=preview, keep_secrets=False),
                news=_to_struct(news, allow_unknowns=preview, keep_secrets=False),
            ),
        )
        return CheckOutcome(
            inputs=_props(response.inputs, allow_unknowns=preview),
            failures=[(f.property, f.reason) for f in response.failures],
        )

    def configure(
        self,
        config: Mapping[str, Any],
        *,
        secret_keys: Iterable[str] = ("token",),
        urn: str = PROVIDER_URN,
    ) -> None:
        """Configure with the provider's inputs (camelCase; `secret_keys` travel in secret envelopes).

        The engine configures a provider process once, before any resource call; so does this. A value
        None is left out (not set).
        """
        if self._configured:
            raise RuntimeError("the engine configures a provider process once; start another plugin")
        secret = set(secret_keys)
        inputs = {
            key: Secret(value) if key in secret and not isinstance(value, Secret) else value
            for key, value in config.items()
            if value is not None
        }
        if any(_plain(v) is UNKNOWN for v in inputs.values()):
            raise ValueError("the engine does not send Configure while a provider input is unknown")
        variables = {}
        for key, value in inputs.items():
            if key == "version":
                continue
            plain = _plain(value)
            variables[f"{PACKAGE}:config:{key}"] = plain if isinstance(plain, str) else json.dumps(plain)
        response = self._call(
            "Configure",
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=_to_struct(inputs),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                urn=urn,
                name=urn.rsplit("::", 1)[1],
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
                olds=_to_struct(olds or {}, allow_unknowns=preview),
                news=_to_struct(news, allow_unknowns=preview),
                randomSeed=os.urandom(32),
            ),
        )
        return CheckOutcome(
            inputs=_props(response.inputs, allow_unknowns=preview),
            failures=[(f.property, f.reason) for f in response.failures],
        )

    def diff(
        self,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        ignore_changes: Iterable[str] = (),
    ) -> DiffOutcome:
        """Diff old outputs against checked new inputs (which may hold UNKNOWN during preview)."""
        self._require_configured()
        if not id:
            raise ValueError("the engine diffs only resources with an id")
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=_to_struct(olds),
                news=_to_struct(news, allow_unknowns=True),
                old_inputs=_to_struct(olds if old_inputs is None else old_inputs),
                ignoreChanges=list(ignore_changes),
            ),
        )
        return DiffOutcome(
            changes=DIFF_CHANGES[response.changes],
            replaces=list(response.replaces),
            delete_before_replace=bool(response.deleteBeforeReplace),
            diffs=list(response.diffs),
            detailed={k: (_KINDS[v.kind], bool(v.inputDiff)) for k, v in response.detailedDiff.items()},
            has_detailed_diff=bool(response.hasDetailedDiff),
        )

    def create(self, news: Mapping[str, Any], *, preview: bool = False) -> tuple[str, Props]:
        """Create from checked inputs; returns (id, outputs).

        During preview the engine does not call a plugin without supportsPreview: it answers ("", inputs).
        """
        self._require_configured()
        properties = _to_struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return "", _props(properties, allow_unknowns=True)
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
            raise ProtocolViolation("the plugin returned an empty id from create; the engine rejects this")
        return response.id, _props(response.properties, allow_unknowns=preview)

    def read(
        self, id: str, props: Mapping[str, Any] | None = None, inputs: Mapping[str, Any] | None = None
    ) -> ReadOutcome:
        """Read: a refresh sends the old outputs and inputs; an import (`props` None) only the id."""
        self._require_configured()
        if not id:
            raise ValueError("the engine reads only resources with an id")
        response = self._call(
            "Read",
            provider_pb2.ReadRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                properties=_to_struct(props or {}),
                inputs=_to_struct(inputs) if inputs is not None else None,
            ),
        )
        return ReadOutcome(
            id=response.id,
            outputs=_props(response.properties),
            inputs=_props(response.inputs) if response.HasField("inputs") else None,
        )

    def update(
        self,
        id: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        *,
        old_inputs: Mapping[str, Any] | None = None,
        preview: bool = False,
    ) -> Props:
        """Update from old outputs to checked new inputs; returns the new outputs.

        During preview the engine does not call a plugin without supportsPreview: it answers with the inputs.
        """
        self._require_configured()
        new_struct = _to_struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return _props(new_struct, allow_unknowns=True)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=_to_struct(olds),
                news=new_struct,
                preview=preview,
                old_inputs=_to_struct(olds if old_inputs is None else old_inputs),
            ),
        )
        return _props(response.properties, allow_unknowns=preview)

    def delete(
        self, id: str, props: Mapping[str, Any], *, old_inputs: Mapping[str, Any] | None = None
    ) -> None:
        """Delete given the last outputs (and the old inputs, which default to them)."""
        self._require_configured()
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                properties=_to_struct(props),
                old_inputs=_to_struct(props if old_inputs is None else old_inputs),
            ),
        )

    def invoke(self, tok: str, args: Mapping[str, Any] | None = None) -> InvokeOutcome:
        """Invoke a function of the package with `args`."""
        self._require_configured()
        response = self._call("Invoke", provider_pb2.InvokeRequest(tok=tok, args=_to_struct(args or {})))
        return InvokeOutcome(
            value=_props(getattr(response, "return")),
            failures=[(f.property, f.reason) for f in response.failures],
        )

    # -- internals -----------------------------------------------------------------------------------------

    def _command(self) -> list[str]:
        return [self._python, "-u", "-m", "pulumi_github_private_registry.plugin", self.engine_address]

    def _call(self, method: str, request: Any) -> Any:
        """The call, its answer (or error) kept in `transcript` as a reader sees it."""
        try:
            response = super()._call(method, request)
        except ProviderError as err:
            self.transcript.append(Exchange(method, f"{err.code.name}: {err.details}", failed=True))
            raise
        self.transcript.append(Exchange(method, public_text(response)))
        return response


def up(host: PluginHost, news: Mapping[str, Any]) -> tuple[str, Props, Props]:
    """Check + Create, as `pulumi up` does for a new resource: (id, outputs, checked inputs)."""
    checked = host.check(news)
    assert checked.failures == [], checked.failures
    id_, outs = host.create(checked.inputs)
    return id_, outs, checked.inputs
