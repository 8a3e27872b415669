"""The engine's side of the provider protocol, shared by both hosts: values and answers.

`provider_host.ProviderHost` (the dynamic door) and `plugin_host.PluginHost` (the plugin) send the
same requests and read the same answers; what they share is here, once:

- values on the wire: plain Python values to protobuf (`to_struct`) as the engine marshals them, and
  back (`to_props`). `Secret(x)` travels in a secret envelope (or as `x` where the engine unwraps
  secrets); `UNKNOWN` is the engine's unknown sentinel, which only preview may send or answer.
- answers as `Props`: a dict of plain values whose `secret` names the properties that came back
  secret; sent back (state, as the engine keeps it), those travel in their envelopes again. Numbers
  travel as protobuf doubles and come back as floats, as in Pulumi state.
- the answers' types (`CheckOutcome`, `DiffOutcome`, `ReadOutcome`) and what `pulumi up` does with
  the calls (`up`, `change`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "CheckOutcome",
    "DiffOutcome",
    "Props",
    "ProtocolViolation",
    "ReadOutcome",
    "Secret",
    "change",
    "to_props",
    "to_struct",
    "to_value",
    "up",
]

_UNKNOWN_WIRE: Final = rpc.UNKNOWN
SIG_KEY: Final = rpc._special_sig_key
"""The key that marks a special value (a secret, an output) on the wire."""
SECRET_SIG: Final = rpc._special_secret_sig
OUTPUT_SIG: Final = rpc._special_output_value_sig


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
    """The provider answered something the engine itself would reject (e.g. an unknown output outside
    preview, an empty id from Create)."""


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret: sent inside a secret envelope."""

    value: Any


class Props(dict[str, Any]):
    """Properties of an answer as plain values; `secret` names those that came back secret.

    A name in `secret` is a top-level key, or a path into it (``key[0]``, ``key.inner``) for a secret
    nested deeper. Sent back to the provider, the top-level secrets travel in their envelopes again.
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
    """What Read answered: `id` is "" when the resource is gone; `inputs` None unless the provider set it."""

    id: str
    outputs: Props
    inputs: Props | None = None


# --- values on the wire ---------------------------------------------------------------------------------


def to_value(value: Any, *, allow_unknowns: bool, keep_secrets: bool = True, path: str) -> Any:
    """One plain value as a protobuf Value, as the engine marshals it; `keep_secrets` False sends a
    `Secret`'s value bare (as the engine does to a provider that does not accept secrets)."""
    if isinstance(value, Secret):
        inner = to_value(value.value, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=path)
        if not keep_secrets:
            return inner
        envelope = struct_pb2.Struct()
        envelope.fields[SIG_KEY].string_value = SECRET_SIG
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
        struct = to_struct(value, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=path)
        return struct_pb2.Value(struct_value=struct)
    if isinstance(value, (list, tuple)):
        items = [
            to_value(item, allow_unknowns=allow_unknowns, keep_secrets=keep_secrets, path=f"{path}[{i}]")
            for i, item in enumerate(value)
        ]
        return struct_pb2.Value(list_value=struct_pb2.ListValue(values=items))
    raise TypeError(f"{path}: cannot send a {type(value).__name__} as a property value")


def to_struct(
    props: Mapping[str, Any], *, allow_unknowns: bool = False, keep_secrets: bool = True, path: str = ""
) -> Any:
    """Properties as a protobuf Struct; the top-level secrets of a `Props` travel in envelopes again."""
    secret = props.secret if isinstance(props, Props) else frozenset()
    struct = struct_pb2.Struct()
    for key, value in props.items():
        sent = Secret(value) if key in secret and not isinstance(value, Secret) else value
        struct.fields[key].CopyFrom(
            to_value(
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
        sig = fields[SIG_KEY].string_value if SIG_KEY in fields else None
        if sig == SECRET_SIG:
            secrets.add(path)
            return _from_value(fields["value"], allow_unknowns=allow_unknowns, path=path, secrets=secrets)
        if sig == OUTPUT_SIG:
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


def to_props(struct: Any, *, allow_unknowns: bool = False) -> Props:
    """A protobuf Struct of an answer as `Props`: plain values, secret envelopes unwrapped and noted."""
    secrets: set[str] = set()
    values = {
        key: _from_value(value, allow_unknowns=allow_unknowns, path=key, secrets=secrets)
        for key, value in struct.fields.items()
    }
    return Props(values, secrets)


# --- what `pulumi up` does with the calls ---------------------------------------------------------------


class _Host(Protocol):
    """The resource calls both hosts answer alike."""

    def check(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> CheckOutcome: ...

    def diff(self, id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome: ...

    def create(self, news: Mapping[str, Any]) -> tuple[str, Props]: ...

    def update(self, id: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Props: ...


def up(host: _Host, news: Mapping[str, Any]) -> tuple[str, Props, Props]:
    """Check + Create, as `pulumi up` does for a new resource: (id, outputs, checked inputs)."""
    checked = host.check(news)
    assert checked.failures == [], checked.failures
    id_, outs = host.create(checked.inputs)
    return id_, outs, checked.inputs


def change(
    host: _Host,
    id_: str,
    state: Mapping[str, Any],
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
) -> Props:
    """Check + Diff + Update, as `pulumi up` does for a resource changed in place: the new outputs."""
    checked = host.check(news, olds)
    assert checked.failures == [], checked.failures
    diff = host.diff(id_, state, checked.inputs)
    assert diff.changes == "some" and diff.replaces == [], diff
    return host.update(id_, state, checked.inputs)
