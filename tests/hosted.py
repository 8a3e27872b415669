"""A provider process run as the Pulumi engine runs one, and a ResourceProvider stub to it.

The engine starts a provider with its own address as the last argument; the process prints its gRPC port as
the first stdout line and then serves the ResourceProvider service. `HostedProcess` starts such a process in
a fresh working directory, drains its stdout and stderr (so a chatty process never blocks), connects, greets
it as the engine does (Handshake, which a provider may answer UNIMPLEMENTED, then GetPluginInfo), and stops
it again. `provider_host.ProviderHost`, `plugin_host.PluginHost` and the benchmark's `PluginClient` say what
to start and which calls to send.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, TypeVar

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

__all__ = ["DIFF_CHANGES", "PROJECT", "REPO", "STACK", "HostedProcess", "ProviderError", "child_env"]

REPO: Final = Path(__file__).resolve().parent.parent
STACK: Final = "stack"
PROJECT: Final = "project"

DIFF_CHANGES: Final[dict[int, Literal["none", "some", "unknown"]]] = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}
"""DiffResponse.changes by name."""

_H = TypeVar("_H", bound="HostedProcess")


class ProviderError(Exception):
    """A gRPC error the provider process answered with; `details` is what the user would see."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


def refusal(call: Callable[[], object]) -> str:
    """What the user sees of ``call``'s failure: the details of the error the provider answered."""
    try:
        call()
    except ProviderError as failure:
        return failure.details
    raise AssertionError("the call did not fail")


def child_env(extra: Mapping[str, str], pythonpath: Sequence[str]) -> dict[str, str]:
    """The developer's environment without GITHUB_* variables, the engine's PULUMI_PROJECT, then `extra`;
    `pythonpath` goes in front of any PYTHONPATH inherited or given."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    env["PULUMI_PROJECT"] = PROJECT
    env.update(extra)
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([*pythonpath, *([inherited] if inherited else [])])
    return env


def _drain(stream: IO[bytes], sink: list[bytes], lock: threading.Lock) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        with lock:
            sink.append(chunk)


class HostedProcess:
    """A provider process and a gRPC stub to it; a subclass says how to start it (`_command`)."""

    startup_timeout: float = 60.0
    """Seconds to wait for the port line and the channel."""
    rpc_timeout: float = 60.0
    """Seconds each RPC may take."""
    engine_address: str = "127.0.0.1:0"
    """The engine's address, passed as the last argument (and in Handshake)."""
    noun: str = "the process"
    """What the process is called in errors."""
    workdir_prefix: str = "hosted-"

    def __init__(self, *, env: Mapping[str, str] | None = None, python: str = sys.executable) -> None:
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

    # -- what a subclass says ----------------------------------------------------------------------------

    def _command(self) -> list[str]:
        """The command line, the engine's address last."""
        raise NotImplementedError

    def _environment(self) -> dict[str, str]:
        """The child's environment."""
        return child_env(self._env, (str(REPO / "provider"),))

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self: _H) -> _H:
        """Start the process, wait for its port, connect, and greet it as the engine does."""
        if self._proc is not None:
            raise RuntimeError(f"{self.noun} already started")
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

    def __enter__(self: _H) -> _H:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The running process, or None before start and after stop."""
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

    # -- internals -----------------------------------------------------------------------------------------

    def _launch(self) -> None:
        self._workdir = tempfile.mkdtemp(prefix=self.workdir_prefix)
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self._workdir,
            env=self._environment(),
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
                f"{self.noun} did not report a port (got {line!r}); stderr:\n{self.stderr_text()}"
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
                    engine_address=self.engine_address,
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
            raise RuntimeError(f"{self.noun} is not running; call start() first")
        try:
            return getattr(self._stub, method)(request, timeout=self.rpc_timeout)
        except grpc.RpcError as err:
            raise ProviderError(err.code(), err.details() or "") from None

    def _require_configured(self) -> None:
        if not self._configured:
            raise RuntimeError(
                "the engine always sends Configure before resource calls; call configure() first"
            )

    def _read_stdout(self, stream: IO[bytes], port_line: queue.Queue[bytes]) -> None:
        port_line.put(stream.readline())
        _drain(stream, self._stdout, self._lock)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)
