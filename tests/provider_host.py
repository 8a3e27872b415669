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
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

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

STACK: Final = "stack"
PROJECT: Final = "project"
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

_REPO: Final = Path(__file__).resolve().parent.parent
_CHILD_PYTHONPATH: Final = (str(_REPO / "provider"), str(_REPO / "tests"))

_UNKNOWN_WIRE: Final = rpc.UNKNOWN
_SIG_KEY: Final = rpc._special_sig_key
_SECRET_SIG: Final = rpc._special_secret_sig

_DIFF_CHANGES: Final[dict[int, Literal["none", "some", "unknown"]]] = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}


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


class ProviderError(Exception):
    """A gRPC error the provider host answered with; `details` is what the user would see."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


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
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    env["PULUMI_PROJECT"] = PROJECT
    env.update(extra)
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([*_CHILD_PYTHONPATH, *([inherited] if inherited else [])])
    return env


def _drain(stream: IO[bytes], sink: list[bytes], lock: threading.Lock) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        with lock:
            sink.append(chunk)


class ProviderHost:
    """A `python -u -m pulumi.dynamic` subprocess and a gRPC stub to it."""

    startup_timeout: float = 60.0
    """Seconds to wait for the port line."""
    rpc_timeout: float = 60.0
    """Seconds each RPC may take."""

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
        self.startup_seconds: float = float("nan")
        self.accept_secrets = False
        self.supports_preview = False
        self._env = dict(env or {})
        self._python = python
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None
        self._workdir: str | None = None
        self._channel: Any = None
        self._stub: Any = None
        self._configured = False
        self._lock = threading.Lock()
        self._stderr: list[bytes] = []
        self._stdout: list[bytes] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> ProviderHost:
        """Start the host, wait for its port, connect, and greet it as the engine does."""
        if self._proc is not None:
            raise RuntimeError("provider host already started")
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close the channel, end the process (and wait for it), and remove its working directory."""
        if self._channel is not None:
            self._channel.close()
            self._channel = self._stub = None
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for thread in self._threads:
                thread.join(timeout=5)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        self._threads = []
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> ProviderHost:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The running host process, or None before start and after stop."""
        return self._proc

    @property
    def pid(self) -> int | None:
        """The id of the last process started (kept after stop, so tests can check it is gone)."""
        return self._pid

    def stderr_text(self) -> str:
        """Everything the process wrote to stderr so far."""
        with self._lock:
            return b"".join(self._stderr).decode("utf-8", errors="replace")

    def stdout_text(self) -> str:
        """Everything the process wrote to stdout after its port line."""
        with self._lock:
            return b"".join(self._stdout).decode("utf-8", errors="replace")

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
            changes=_DIFF_CHANGES[response.changes],
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

    def _launch(self) -> None:
        self._workdir = tempfile.mkdtemp(prefix="provider-host-")
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            [self._python, "-u", "-m", "pulumi.dynamic", _ENGINE_ADDRESS],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self._workdir,
            env=_child_env(self._env),
        )
        self._pid = self._proc.pid
        assert self._proc.stdout is not None and self._proc.stderr is not None
        port_line: queue.Queue[bytes] = queue.Queue(maxsize=1)
        self._spawn(_drain, self._proc.stderr, self._stderr, self._lock)
        self._spawn(self._read_stdout, self._proc.stdout, port_line)
        try:
            line = port_line.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = b""
        if not line.strip().isdigit():
            raise RuntimeError(
                f"provider host did not report a port (got {line!r}); stderr:\n{self.stderr_text()}"
            )
        self.startup_seconds = time.perf_counter() - started
        self._channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}", options=_GRPC_CHANNEL_OPTIONS)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
        self._greet()

    def _greet(self) -> None:
        """What the engine does after the port line: Handshake (optional for a provider), GetPluginInfo."""
        try:
            self._call(
                "Handshake",
                provider_pb2.ProviderHandshakeRequest(
                    engine_address=_ENGINE_ADDRESS,
                    configure_with_urn=True,
                    supports_views=True,
                    supports_refresh_before_update=True,
                ),
            )
        except ProviderError as err:
            if err.code is not grpc.StatusCode.UNIMPLEMENTED:
                raise
        self._call("GetPluginInfo", empty_pb2.Empty())

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise RuntimeError("provider host is not running; call start() first")
        try:
            return getattr(self._stub, method)(request, timeout=self.rpc_timeout)
        except grpc.RpcError as err:
            raise ProviderError(err.code(), err.details() or "") from None

    def _require_configured(self) -> None:
        if not self._configured:
            raise RuntimeError(
                "the engine always sends Configure before resource calls; call configure() first"
            )

    def _with_provider(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {PROVIDER_KEY: self.provider_blob, **props}

    def _read_stdout(self, stream: IO[bytes], port_line: queue.Queue[bytes]) -> None:
        port_line.put(stream.readline())
        _drain(stream, self._stdout, self._lock)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)


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
