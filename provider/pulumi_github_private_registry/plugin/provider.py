"""The provider plugin: a door onto :mod:`..core.lifecycle` for every Pulumi language.

It translates and nothing else: Pulumi's property values (camelCase names, secrets, computed values,
numbers as floats) to the core's plain mappings (GitHub's names, :data:`~..core.schema.UNKNOWN`,
ids as ints), and the core's results to the protocol's responses. Problems are rendered for the
plugin's readers (:data:`~..audiences.plugin.PLUGIN`). The core is blocking (an HTTP client), so every
operation that may talk to GitHub runs in a worker thread, leaving the server's event loop free to
answer the engine's other calls.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from typing import Any, Final

from pulumi.provider.experimental.property_value import Computed, PropertyValue, PropertyValueType
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from ..audiences.keys import PACKAGE, PLUGIN_KEYS
from ..audiences.misspelt_keys import nearest_name
from ..audiences.plugin import PLUGIN
from ..core import lifecycle, schema, settings
from ..core.errors import MAX_LINE, bounded
from ..core.lifecycle import RegistryError, Runtime
from .package import FUNCTION, RESOURCE, schema_text
from .server import PartialFailure

__all__ = ["RegistryProvider"]

_TO_CORE: Final = {f.camel: f.name for f in schema.FIELDS}
_TO_CAMEL: Final = {f.name: f.camel for f in schema.FIELDS}
_SECRET: Final = frozenset(f.name for f in schema.FIELDS if f.secret)
_RECORD_FIELDS: Final = {**{str(f.rest): f.camel for f in schema.FIELDS if f.reported}, "id": "id"}


def _plain(value: PropertyValue) -> Any:
    """A property value as the core takes it: secrets unwrapped, computed values as UNKNOWN.

    The engine sends a value not known yet as its unknown marker, which this SDK leaves a string.
    """
    if isinstance(value.value, Computed) or value.value == rpc.UNKNOWN:
        return schema.UNKNOWN
    inner = value.value
    if value.type is PropertyValueType.ARRAY and isinstance(inner, tuple):
        return [_plain(v) for v in inner]
    if value.type is PropertyValueType.MAP and isinstance(inner, Mapping):
        return {str(k): _plain(v) for k, v in inner.items()}
    return inner


def _value(value: Any, *, secret: bool = False) -> PropertyValue:
    """A plain value as a property value; ints as the protocol's floats."""
    if value is schema.UNKNOWN:
        return PropertyValue(rpc.UNKNOWN)  # the engine's marker (this SDK cannot marshal Computed)
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        converted = PropertyValue(value)
    elif isinstance(value, int):
        converted = PropertyValue(float(value))
    elif isinstance(value, (list, tuple)):
        converted = PropertyValue([_value(v) for v in value])
    elif isinstance(value, Mapping):
        converted = PropertyValue({str(k): _value(v) for k, v in value.items()})
    else:
        converted = PropertyValue(str(value))
    return converted.with_secret(True) if secret else converted


def _inbound(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """The camelCase properties of a request as a declaration in the core's names.

    A key that is none of our camelCase names is left out (:func:`_strangers` names it).
    """
    return schema.whole_ids({_TO_CORE[k]: _plain(v) for k, v in props.items() if k in _TO_CORE})


def _strangers(props: Mapping[str, PropertyValue]) -> list[schema.Problem]:
    """Keys that are no property of the plugin's (a snake_case ``registry_type`` among them)."""
    return [schema.unknown_property(k, _camel) for k in props if k not in _TO_CORE and not k.startswith("__")]


def _secret_keys(*maps: Mapping[str, PropertyValue]) -> frozenset[str]:
    """The core's names of properties a request marked secret: the answer keeps them secret."""
    return frozenset(_TO_CORE[k] for m in maps for k, v in m.items() if k in _TO_CORE and v.contains_secret())


def _outbound(values: Mapping[str, Any], secret: frozenset[str] = frozenset()) -> dict[str, PropertyValue]:
    """The core's outputs or inputs as camelCase properties; the value, its ciphertext and what
    came in secret are secret (the engine does not mark them again for a plugin that takes secrets)."""
    return {
        _TO_CAMEL.get(k, k): _value(v, secret=k in _SECRET or k in secret)
        for k, v in values.items()
        if v is not None and not k.startswith("__")
    }


def _holds_unknown(value: Any) -> bool:
    """Whether a config value, or anything inside it (an App's key, a map's token), is not known yet."""
    if isinstance(value, Mapping):
        return any(_holds_unknown(v) for v in value.values())
    return schema.is_unknown(value)


def _camel(name: str) -> str:
    return PLUGIN.name(name)


def _kind(field: str, plan: lifecycle.Plan, olds: Mapping[str, Any], news: Mapping[str, Any]) -> PropertyDiff:
    """How one property changes, as ``pulumi preview`` shows it."""
    old, new = olds.get(field), news.get(field)
    replace = field in plan.replaces
    if old is None:
        kind = PropertyDiffKind.ADD_REPLACE if replace else PropertyDiffKind.ADD
    elif new is None:
        kind = PropertyDiffKind.DELETE_REPLACE if replace else PropertyDiffKind.DELETE
    else:
        kind = PropertyDiffKind.UPDATE_REPLACE if replace else PropertyDiffKind.UPDATE
    return PropertyDiff(kind, input_diff=True)


_CANCEL_ANSWER: Final = 1.5
"""Seconds after the engine's Cancel within which every call in flight answers, whatever its thread
does: the core ends its waits at once, cuts requests on the wire and looks up an unanswered create
within a second (``core.pacing.CANCEL_GRACE``)."""


class RegistryProvider(Provider):
    """``github-private-registry``: the ``OrgPrivateRegistry`` resource and ``getOrgPrivateRegistries``."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self._schema: str | None = None
        self._cancelled = asyncio.Event()
        self._cancelled_at = 0.0  # the event loop's time of the engine's Cancel

    async def cancel(self) -> None:
        """The engine's Cancel (Ctrl-C, or before closing the plugin): every operation of the
        process ends, and nothing more is sent to GitHub."""
        lifecycle.cancel(PLUGIN.words["cancelled_by"])
        if not self._cancelled.is_set():
            self._cancelled_at = asyncio.get_running_loop().time()
            self._cancelled.set()

    async def _in_thread(self, operation: Any, *args: Any) -> Any:
        """Run a blocking core operation off the event loop; after a Cancel, answer within
        :data:`_CANCEL_ANSWER` even if the operation's thread is still on its way out."""
        work = asyncio.ensure_future(asyncio.to_thread(functools.partial(operation, *args)))
        cancel = asyncio.ensure_future(self._cancelled.wait())
        try:
            await asyncio.wait({work, cancel}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            cancel.cancel()
        if not work.done():
            left = self._cancelled_at + _CANCEL_ANSWER - asyncio.get_running_loop().time()
            await asyncio.wait({work}, timeout=max(0.0, left))
        if not work.done():
            # The thread ends on its own, starting no request (the core's cancellation).
            work.add_done_callback(lambda done: done.cancelled() or done.exception())
            raise lifecycle.cancelled(self.runtime)
        return work.result()

    @property
    def runtime(self) -> Runtime:
        """The runtime from Configure; from the environment alone before it."""
        return self._runtime or Runtime.shared(_resolve({}), PLUGIN)

    # --- the package and its configuration ------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        """The package schema, generated from the core's field table."""
        if self._schema is None:
            self._schema = schema_text()
        return GetSchemaResponse(schema=self._schema)

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        """Refuse a provider configuration GitHub cannot be reached with: every key at fault, each
        named, a key that is no setting of ours among them."""
        config = {k: _plain(v) for k, v in request.new_inputs.items()}
        known = {k: v for k, v in config.items() if not _holds_unknown(v)}
        strangers = [
            k for k in config if k not in _CONFIG_NAMES and k not in _ENGINE_KEYS and not k.startswith("__")
        ]
        # No property for a key that is none of ours: the engine would print the property and its
        # value as they came (a misspelled token set in plaintext, a key's control characters);
        # the reason names the key, bounded and printable.
        failures = [CheckFailure("", _unknown_key(k)) for k in strangers]
        for exc in settings.problems(_config_keys(known), PLUGIN_KEYS):
            name = exc.setting.name if exc.setting is not None else "token"
            # Redacted and bounded as every other line users see (a base URL's path is echoed back).
            failures.append(CheckFailure(name, bounded(str(exc), MAX_LINE)))
        # The engine sends CheckConfig's secrets unwrapped: they go back secret, and so does a key
        # that is none of ours (a misspelled token's value).
        secret = {s.name for s in PLUGIN_KEYS.all if s.secret}.union(strangers)
        inputs = {k: v.with_secret(True) if k in secret else v for k, v in request.new_inputs.items()}
        return CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        """Take the provider's configuration (its inputs, else the namespaced variables, else env);
        a configuration with values that cannot be used fails naming every one, as CheckConfig does."""
        # A value not known yet (an explicit provider's token from another resource, in a preview)
        # is left to its environment variable until the real run configures again.
        plain = {k: _plain(v) for k, v in request.args.items()}
        config = {k: v for k, v in plain.items() if not _holds_unknown(v)}
        for key, value in request.variables.items():
            # The older spelling: "github-private-registry:config:token".
            namespace, _, name = key.partition(":config:")
            if namespace == PACKAGE and name not in config:
                config[name] = value
        self._runtime = Runtime.shared(_resolve(_config_keys(config)), PLUGIN)
        return ConfigureResponse(accept_secrets=True, supports_preview=False)

    # --- the resource ---------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        """Fill defaults and name every invalid property in camelCase; makes no request."""
        news = request.new_inputs
        checked = lifecycle.check(self.runtime, _inbound(news))
        problems = [*_strangers(news), *checked.problems]
        secret = _secret_keys(news)  # never quoted: "the value (secret)"
        failures = [CheckFailure(_camel(p.field), schema.render(p, PLUGIN, secret)) for p in problems]
        return CheckResponse(inputs=_outbound(checked.inputs, secret), failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        """Replace on org, registryType or authType; a detailed diff per changed property; no request."""
        olds, news = _inbound(request.old_state), _inbound(request.new_inputs)
        secret = _secret_keys(request.old_state)
        plan = lifecycle.diff(self.runtime, request.resource_id, olds, news, secret)
        detailed = {_camel(f): _kind(f, plan, olds, news) for f in plan.fields}
        if plan.drifted and not detailed:
            # Changed at GitHub outside Pulumi: what was declared is sent again.
            detailed[_camel("remote_updated_at")] = PropertyDiff(PropertyDiffKind.UPDATE, input_diff=False)
        return DiffResponse(
            changes=plan.changes,
            replaces=[_camel(f) for f in plan.replaces],
            delete_before_replace=plan.delete_first,
            diffs=list(detailed),
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        """Create the registry (or adopt it); during a preview, answer without a request."""
        if request.preview:
            return CreateResponse(resource_id="", properties=request.properties)
        secret = _secret_keys(request.properties)
        try:
            written = await self._in_thread(
                lifecycle.create, self.runtime, _inbound(request.properties), secret
            )
        except lifecycle.Unresolved as exc:
            # Kept in the state as not created yet: the next run's update finds out (core.lifecycle).
            outputs = PropertyValue.marshal_map(_outbound(exc.outputs, secret))
            detail = provider_pb2.ErrorResourceInitFailed(
                id=exc.id, properties=outputs, inputs=PropertyValue.marshal_map(request.properties)
            )
            detail.reasons.append(str(exc))
            raise PartialFailure(exc, detail) from None
        return CreateResponse(resource_id=written.id, properties=_outbound(written.outputs, secret))

    async def read(self, request: ReadRequest) -> ReadResponse:
        """Refresh, or import with only an id: the registry as GitHub reports it."""
        props = _inbound(request.properties)
        secret = _secret_keys(request.properties, request.inputs)
        refreshed = await self._in_thread(lifecycle.read, self.runtime, request.resource_id, props, secret)
        return ReadResponse(
            resource_id=refreshed.id,
            properties=_outbound(refreshed.outputs, secret),
            inputs=_outbound(refreshed.inputs, secret),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        """Change what changed in place; during a preview, answer without a request."""
        if request.preview:
            return UpdateResponse(properties={**request.olds, **request.news})
        olds, news = _inbound(request.olds), _inbound(request.news)
        secret = _secret_keys(request.news, request.olds)
        written = await self._in_thread(
            lifecycle.update, self.runtime, request.resource_id, olds, news, secret
        )
        return UpdateResponse(properties=_outbound(written.outputs, secret))

    async def delete(self, request: DeleteRequest) -> None:
        """Delete the registry at GitHub."""
        props, secret = _inbound(request.properties), _secret_keys(request.properties)
        await self._in_thread(lifecycle.delete, self.runtime, request.resource_id, props, secret)

    # --- the function ---------------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        """``getOrgPrivateRegistries``: every registry of an org, as GitHub reports it."""
        if request.tok != FUNCTION:
            raise RegistryError("unknown_function", PLUGIN, function=repr(request.tok), known=FUNCTION)
        org = _plain(request.args["org"]) if "org" in request.args else None
        records = await self._in_thread(lifecycle.registries, self.runtime, org)
        listed = [{_RECORD_FIELDS[k]: v for k, v in r.items() if k in _RECORD_FIELDS} for r in records]
        return InvokeResponse(return_value={"registries": _value(listed)})

    def __repr__(self) -> str:
        return f"RegistryProvider({RESOURCE})"


_CONFIG_NAMES: Final = tuple(s.name for s in PLUGIN_KEYS.all)
# What the engine itself puts among a provider's inputs, beside the stack's keys of our namespace:
# the plugin's version (kept at the top level), and what older engines kept there before nesting it
# under `__internal` (pkg/resource/deploy/providers/registry.go in pulumi/pulumi).
_ENGINE_KEYS: Final = frozenset({"version", "pluginDownloadURL", "pluginChecksums", "envVarMappings"})


def _unknown_key(name: str) -> str:
    """Why a key of our namespace that is no setting is refused, with the setting it resembles."""
    key = schema.shown(f"{PACKAGE}:{name}")
    hint = nearest_name(name, PLUGIN_KEYS)
    if hint is not None:
        return f"{key} is no setting of the provider: did you mean {PACKAGE}:{hint}?"
    return f"{key} is no setting of the provider; its settings: {', '.join(_CONFIG_NAMES)}"


def _config_keys(config: Mapping[str, Any]) -> dict[str, Any]:
    """The plugin's configuration by full key (``token`` -> ``github-private-registry:token``)."""
    return {s.key: config.get(s.name) for s in PLUGIN_KEYS.all}


def _resolve(config: Mapping[str, Any]) -> settings.Settings:
    try:
        return settings.resolve(config, PLUGIN_KEYS)
    except settings.SettingError as exc:
        raise RegistryError("configuration", PLUGIN, problems=str(exc)) from None
