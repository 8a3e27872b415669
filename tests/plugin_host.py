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

Values and answers are the engine's (`engine`: `Secret`, `UNKNOWN`, `Props`), with the plugin's camelCase
keys. Every answer is also kept in `transcript` with the content of each secret envelope replaced by
"[secret]": what a reader of the answer sees in plaintext.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import provider_pb2

from engine import (
    OUTPUT_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    CheckOutcome,
    DiffOutcome,
    Props,
    ProtocolViolation,
    ReadOutcome,
    Secret,
    to_props,
    to_struct,
)
from hosted import DIFF_CHANGES, PROJECT, STACK, HostedProcess, ProviderError

__all__ = [
    "FUNCTION",
    "PACKAGE",
    "PROVIDER_URN",
    "RESOURCE_TYPE",
    "RESOURCE_URN",
    "Exchange",
    "InvokeOutcome",
    "PluginHost",
    "ProviderError",
    "provider_urn",
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

_KINDS: Final = {value: name for name, value in provider_pb2.PropertyDiff.Kind.items()}


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


def _scrub(node: Any) -> Any:
    """A JSON-shaped answer with every secret envelope's content replaced by "[secret]"."""
    if isinstance(node, dict):
        if node.get(SIG_KEY) == SECRET_SIG:
            return "[secret]"
        if node.get(SIG_KEY) == OUTPUT_SIG and node.get("secret") is True:
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
                olds=to_struct(olds or {}, allow_unknowns=preview, keep_secrets=False),
                news=to_struct(news, allow_unknowns=preview, keep_secrets=False),
            ),
        )
        return CheckOutcome(
            inputs=to_props(response.inputs, allow_unknowns=preview),
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
                args=to_struct(inputs),
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
                olds=to_struct(olds or {}, allow_unknowns=preview),
                news=to_struct(news, allow_unknowns=preview),
                randomSeed=os.urandom(32),
            ),
        )
        return CheckOutcome(
            inputs=to_props(response.inputs, allow_unknowns=preview),
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
                olds=to_struct(olds),
                news=to_struct(news, allow_unknowns=True),
                old_inputs=to_struct(olds if old_inputs is None else old_inputs),
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
        properties = to_struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return "", to_props(properties, allow_unknowns=True)
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
        return response.id, to_props(response.properties, allow_unknowns=preview)

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
                properties=to_struct(props or {}),
                inputs=to_struct(inputs) if inputs is not None else None,
            ),
        )
        return ReadOutcome(
            id=response.id,
            outputs=to_props(response.properties),
            inputs=to_props(response.inputs) if response.HasField("inputs") else None,
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
        new_struct = to_struct(news, allow_unknowns=preview)
        if preview and not self.supports_preview:
            return to_props(new_struct, allow_unknowns=True)
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                urn=RESOURCE_URN,
                name=RESOURCE_NAME,
                type=RESOURCE_TYPE,
                olds=to_struct(olds),
                news=new_struct,
                preview=preview,
                old_inputs=to_struct(olds if old_inputs is None else old_inputs),
            ),
        )
        return to_props(response.properties, allow_unknowns=preview)

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
                properties=to_struct(props),
                old_inputs=to_struct(props if old_inputs is None else old_inputs),
            ),
        )

    def invoke(self, tok: str, args: Mapping[str, Any] | None = None) -> InvokeOutcome:
        """Invoke a function of the package with `args`."""
        self._require_configured()
        response = self._call("Invoke", provider_pb2.InvokeRequest(tok=tok, args=to_struct(args or {})))
        return InvokeOutcome(
            value=to_props(getattr(response, "return")),
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
