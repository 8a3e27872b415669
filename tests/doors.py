"""The two front doors behind one interface, and the plugin's names, for the protocol tests.

A `Door` speaks of a registry in the declaration's snake_case names whichever door it drives:

- `DynamicDoor`: `OrgPrivateRegistryProvider` through the dynamic-provider host
  (`provider_host.ProviderHost`), configured with the stack's `github:token`, `github:baseUrl`, ... as
  `pulumi up` does.
- `PluginDoor`: the provider plugin through `plugin_host.PluginHost`, configured with its provider inputs
  (`token`, `baseUrl`, `owner`, `writeDelayMs`: the `github-private-registry:` keys); it converts names to
  and from camelCase and sends `value`/`value_encrypted` as secrets, as a generated SDK does.

Each door's `check` answers failures in its own naming (`spell` maps a field to it); everything else is in
snake_case, what came back secret still noted (`Props.secret`), the plugin's detailed diff too. `fresh()`
gives the same door in a new process: what a new `pulumi` command gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from engine import CheckOutcome, DiffOutcome, Props, Secret
from plugin_host import PluginHost
from provider_host import ProviderHost
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.emulator import Emulator
from samples import TOKEN, declaration

__all__ = [
    "DOORS",
    "SECRET_FIELDS",
    "TO_CAMEL",
    "TO_SNAKE",
    "Door",
    "DynamicDoor",
    "PluginDoor",
    "Plugins",
    "Resource",
    "camel",
    "open_door",
    "plugin_declaration",
    "snake",
]

TO_CAMEL: Final = {f.name: f.camel for f in schema.FIELDS}
TO_SNAKE: Final = {f.camel: f.name for f in schema.FIELDS}
SECRET_FIELDS: Final = frozenset(f.name for f in schema.FIELDS if f.secret)
DOORS: Final = ("dynamic", "plugin")


def camel(props: Mapping[str, Any]) -> dict[str, Any]:
    """A declaration (snake_case) as the plugin's properties: camelCase, the value and its ciphertext secret.

    A key that is no field stays as written (a misspelling is the plugin's to name).
    """
    return {
        TO_CAMEL.get(k, k): Secret(v) if k in SECRET_FIELDS and v is not None else v for k, v in props.items()
    }


def snake(props: Mapping[str, Any]) -> Props:
    """The plugin's properties in the declaration's names, those that came back secret still noted."""
    secret = props.secret if isinstance(props, Props) else frozenset()
    return Props({TO_SNAKE.get(k, k): v for k, v in props.items()}, {TO_SNAKE.get(k, k) for k in secret})


def plugin_declaration(auth_type: str, org: str, **changes: Any) -> dict[str, Any]:
    """The sample declaration for `auth_type` in `org` (snake_case `changes`), as the plugin takes it."""
    return camel(declaration(auth_type, org, **changes))


class Plugins:
    """Plugin processes configured against an emulator; `start()` is one `pulumi` command's process."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.hosts: list[PluginHost] = []

    def start(
        self,
        emu: Emulator | None = None,
        *,
        env: Mapping[str, str] | None = None,
        configure: bool = True,
        secret_keys: tuple[str, ...] = ("token",),
        urn: str | None = None,
        **config: Any,
    ) -> PluginHost:
        """A new configured plugin process; `config` overrides the provider inputs (None leaves one out)."""
        host = PluginHost(env=env)
        self.hosts.append(host)
        host.start()
        if configure:
            settings = {
                "token": TOKEN,
                "baseUrl": (emu or self.emulator).base_url,
                "owner": "acme",
                "writeDelayMs": 0,
                **config,
            }
            extra = {"urn": urn} if urn is not None else {}
            host.configure(
                {k: v for k, v in settings.items() if v is not None}, secret_keys=secret_keys, **extra
            )
        return host

    def stop(self) -> None:
        """Stop every process started."""
        for host in self.hosts:
            host.stop()
        self.hosts.clear()


# --- one interface over both doors --------------------------------------------------------------------


@dataclass
class Resource:
    """A registry as the engine's state holds it: id, outputs and (checked) inputs, snake_case."""

    id: str
    outputs: Props
    inputs: Props


class Door:
    """A front door driven as the engine does; subclasses translate."""

    name: str = ""

    def spell(self, field: str) -> str:
        """This door's name for a declaration field."""
        raise NotImplementedError

    def fresh(self) -> Door:
        """The same door in a new process (a new `pulumi` command)."""
        raise NotImplementedError

    def check(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> CheckOutcome:
        raise NotImplementedError

    def _diff(self, res: Resource, news: Mapping[str, Any]) -> DiffOutcome:
        raise NotImplementedError

    def _create(self, news: Mapping[str, Any]) -> tuple[str, Props]:
        raise NotImplementedError

    def _read(self, res: Resource) -> Resource:
        raise NotImplementedError

    def _update(self, res: Resource, news: Mapping[str, Any]) -> Props:
        raise NotImplementedError

    def delete(self, res: Resource) -> None:
        raise NotImplementedError

    # What `pulumi up`, `refresh` and `destroy` do with those calls.

    def up(self, news: Mapping[str, Any]) -> Resource:
        """Check + Create: a new resource."""
        checked = self.check(news)
        assert checked.failures == [], checked.failures
        id_, outputs = self._create(checked.inputs)
        return Resource(id_, outputs, checked.inputs)

    def refresh(self, res: Resource) -> Resource:
        """Read with the state's outputs and inputs; the new state (id "" when gone)."""
        return self._read(res)

    def plan(self, res: Resource, news: Mapping[str, Any]) -> DiffOutcome:
        """Check + Diff: what a preview shows."""
        checked = self.check(news, res.inputs)
        assert checked.failures == [], checked.failures
        return self._diff(res, checked.inputs)

    def change(self, res: Resource, news: Mapping[str, Any]) -> Resource:
        """Check + Diff + Update of a resource changed in place: the new state."""
        checked = self.check(news, res.inputs)
        assert checked.failures == [], checked.failures
        plan = self._diff(res, checked.inputs)
        assert plan.changes == "some" and plan.replaces == [], plan
        return Resource(res.id, self._update(res, checked.inputs), checked.inputs)


class DynamicDoor(Door):
    """`OrgPrivateRegistryProvider` in `python -m pulumi.dynamic`."""

    name = "dynamic"

    def __init__(self, emulator: Emulator, started: list[Any]) -> None:
        from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider

        self._emulator, self._started = emulator, started
        self.host = ProviderHost(OrgPrivateRegistryProvider())
        started.append(self.host)
        self.host.start()
        self.host.configure(
            {
                "github:token": TOKEN,
                "github:baseUrl": emulator.base_url,
                "github:owner": "acme",
                "github:writeDelayMs": "0",
            },
            secret_keys={"github:token"},
        )

    def spell(self, field: str) -> str:
        return field

    def fresh(self) -> DynamicDoor:
        return DynamicDoor(self._emulator, self._started)

    def check(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> CheckOutcome:
        return self.host.check(news, olds)

    def _diff(self, res: Resource, news: Mapping[str, Any]) -> DiffOutcome:
        return self.host.diff(res.id, res.outputs, news, old_inputs=res.inputs)

    def _create(self, news: Mapping[str, Any]) -> tuple[str, Props]:
        return self.host.create(news)

    def _read(self, res: Resource) -> Resource:
        outcome = self.host.read(res.id, res.outputs, res.inputs)
        return Resource(outcome.id, outcome.outputs, outcome.inputs or Props())

    def _update(self, res: Resource, news: Mapping[str, Any]) -> Props:
        return self.host.update(res.id, res.outputs, news, old_inputs=res.inputs)

    def delete(self, res: Resource) -> None:
        self.host.delete(res.id, res.outputs, old_inputs=res.inputs)


class PluginDoor(Door):
    """The provider plugin, configured with its own keys; camelCase on the wire, secrets as secrets."""

    name = "plugin"

    def __init__(self, emulator: Emulator, started: list[Any]) -> None:
        self._emulator, self._started = emulator, started
        self.host = PluginHost()
        started.append(self.host)
        self.host.start()
        self.host.configure(
            {"token": TOKEN, "baseUrl": emulator.base_url, "owner": "acme", "writeDelayMs": 0}
        )

    def spell(self, field: str) -> str:
        return TO_CAMEL.get(field, field)

    def fresh(self) -> PluginDoor:
        return PluginDoor(self._emulator, self._started)

    @staticmethod
    def _state(props: Mapping[str, Any]) -> Props:
        """Snake_case state as the engine keeps the plugin's: camelCase, the secrets still secret."""
        wire = camel(props)
        return Props(
            {k: v.value if isinstance(v, Secret) else v for k, v in wire.items()},
            {k for k, v in wire.items() if isinstance(v, Secret)},
        )

    def check(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> CheckOutcome:
        outcome = self.host.check(camel(news), self._state(olds) if olds is not None else None)
        return CheckOutcome(snake(outcome.inputs), outcome.failures)

    def _diff(self, res: Resource, news: Mapping[str, Any]) -> DiffOutcome:
        outcome = self.host.diff(
            res.id, self._state(res.outputs), self._state(news), old_inputs=self._state(res.inputs)
        )
        return DiffOutcome(
            outcome.changes,
            [TO_SNAKE.get(r, r) for r in outcome.replaces],
            outcome.delete_before_replace,
            [TO_SNAKE.get(d, d) for d in outcome.diffs],
            {TO_SNAKE.get(k, k): v for k, v in outcome.detailed.items()},
            outcome.has_detailed_diff,
        )

    def _create(self, news: Mapping[str, Any]) -> tuple[str, Props]:
        id_, outputs = self.host.create(self._state(news))
        return id_, snake(outputs)

    def _read(self, res: Resource) -> Resource:
        outcome = self.host.read(res.id, self._state(res.outputs), self._state(res.inputs))
        return Resource(outcome.id, snake(outcome.outputs), snake(outcome.inputs or Props()))

    def _update(self, res: Resource, news: Mapping[str, Any]) -> Props:
        outputs = self.host.update(
            res.id, self._state(res.outputs), self._state(news), old_inputs=self._state(res.inputs)
        )
        return snake(outputs)

    def delete(self, res: Resource) -> None:
        self.host.delete(res.id, self._state(res.outputs), old_inputs=self._state(res.inputs))


_DOOR_TYPES: Final[dict[str, Callable[[Emulator, list[Any]], Door]]] = {
    "dynamic": DynamicDoor,
    "plugin": PluginDoor,
}


@contextmanager
def open_door(name: str, emulator: Emulator) -> Iterator[Door]:
    """Door `name` against `emulator`; every process it (or its `fresh()` doors) started stops on exit."""
    started: list[Any] = []
    try:
        yield _DOOR_TYPES[name](emulator, started)
    finally:
        for host in started:
            host.stop()
