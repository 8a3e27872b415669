"""A trivial dynamic provider that echoes its inputs.

It exists to prove the provider-host harness (tests/provider_host.py) and to measure the cold start of
`python -m pulumi.dynamic` with nothing but the SDK loaded, so it must stay trivial: it imports only
`pulumi.dynamic` (plus `sys`, which every interpreter has already loaded).
"""

from __future__ import annotations

import sys
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

__all__ = ["ECHO_ID", "STAMP_KEY", "EchoProvider"]

ECHO_ID = "echo-1"
"""The id every resource created by EchoProvider gets."""

STAMP_KEY = "echo:stamp"
"""The stack configuration key EchoProvider copies into its outputs as `stamp`, to prove Configure arrived."""

_PROVIDER_KEY = "__provider"


class EchoProvider(ResourceProvider):
    """Echo inputs back as outputs; fail on demand so error paths can be observed.

    - check: returns the news; a key named `bad` yields a CheckFailure for `bad`.
    - diff: changes when any key other than `__provider` differs between olds and news.
    - create: id `echo-1`, outputs = inputs (+ `stamp` when `echo:stamp` was configured); an input named
      `explode` raises an exception whose message carries that value; a `say` input is written to stderr.
    - read: echoes the given properties; update: outputs = news; delete: does nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._stamp: Any = None

    def configure(self, req: ConfigureRequest) -> None:
        self._stamp = req.config.get(STAMP_KEY)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = [CheckFailure("bad", f"bad is not allowed: {news['bad']}")] if "bad" in news else []
        return CheckResult(news, failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        keys = (set(_olds) | set(_news)) - {_PROVIDER_KEY}
        return DiffResult(changes=any(_olds.get(k) != _news.get(k) for k in keys))

    def create(self, props: dict[str, Any]) -> CreateResult:
        if "explode" in props:
            raise ValueError(f"echo exploded: {props['explode']}")
        if "say" in props:
            print(f"echo says: {props['say']}", file=sys.stderr, flush=True)
        outs = dict(props)
        if self._stamp is not None:
            outs["stamp"] = self._stamp
        return CreateResult(ECHO_ID, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, dict(props))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(dict(_news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None
