"""``OrgPrivateRegistryProvider``: the dynamic provider, a door onto :mod:`.core.lifecycle`.

The only module that knows Pulumi's dynamic-provider protocol. It translates: Pulumi's dicts,
unknowns and floats to the core's plain values, and the core's results to ``CheckResult``,
``DiffResult``, ... and nothing else. Its import path is frozen: every resource's state holds a
pickled reference to this class (``__provider``), and 0.1.0's states must keep loading.

The engine makes one instance per distinct ``__provider`` blob in a provider process, configures it
once and never pickles it again: the instance keeps its :class:`~.core.lifecycle.Runtime` (client,
key cache, inventory, claims) from :meth:`OrgPrivateRegistryProvider.configure`, shared with every
instance configured alike (a state's blob and the program's may differ). Pickled, the provider is
its class and nothing else: no attribute, no credential.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
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
from pulumi.output import Unknown

from .audiences.dynamic import DYNAMIC
from .audiences.keys import DYNAMIC_KEYS
from .audiences.misspelt_keys import misspelt_key_problem, misspelt_keys, plugin_only_key_problems
from .core import diagnostics, lifecycle, schema, settings
from .core.lifecycle import RegistryError, Runtime

__all__ = ["OrgPrivateRegistryProvider", "RegistryError"]


def _to_core(value: Any) -> Any:
    """Pulumi's unknown as the core's; lists element by element."""
    if isinstance(value, Unknown):
        return schema.UNKNOWN
    if isinstance(value, (list, tuple)):
        return [_to_core(v) for v in value]
    return value


def _props(props: dict[str, Any]) -> dict[str, Any]:
    """A protocol mapping in the core's terms: unknowns mapped, whole-number ids as ints."""
    return schema.whole_ids({key: _to_core(value) for key, value in props.items()})


def _from_core(value: Any) -> Any:
    """The core's unknown as Pulumi's again (check returns the declaration it was given)."""
    if value is schema.UNKNOWN:
        return Unknown()  # type: ignore[no-untyped-call]
    if isinstance(value, list):
        return [_from_core(v) for v in value]
    return value


def _engine_verbose(argv: list[str]) -> bool:
    """Whether the engine started this process asking for its logs (``pulumi -v=N --logflow``: it
    passes ``-v=N`` to the plugins it starts, the dynamic provider's host included)."""
    return any(re.fullmatch(r"-v=[1-9][0-9]{0,2}", arg) for arg in argv[:64])


class OrgPrivateRegistryProvider(ResourceProvider):
    """The dynamic provider behind ``OrgPrivateRegistry``. Takes no arguments; pickles to its class."""

    _runtime: Runtime | None = None

    def __getstate__(self) -> None:
        # Whatever configure gave this instance (the runtime holds the token) is never pickled.
        return None

    def configure(self, req: ConfigureRequest) -> None:
        """Take the stack config (``github:token``, ``github:baseUrl``, ``github:owner``, limits).

        A value that cannot be used (a plain-http base URL, a token with a control character
        inside, a timeout of ``inf``) or a misspelt key fails here, before any request: every one
        at once, each naming its setting.
        """
        # Only the engine configures, in the provider's own process. The engine shows a dynamic
        # provider's stderr to the user (not at debug level only, as a plugin's), so an internal
        # error's traceback goes there only when the engine asked for verbose logs.
        diagnostics.to_stderr(logging.DEBUG if _engine_verbose(sys.argv) else logging.WARNING)
        # The whole stack config, to find a misspelt key (`github:baseurl` would otherwise send the
        # token to api.github.com): pulumi.dynamic.Config keeps it in `_props`, and has no public
        # way to list it. Without it (another Config), only the keys read are known.
        every = getattr(req.config, "_props", None)
        # The project's name too: Pulumi puts its own keys in its namespace (`github:owners` in a
        # project named `github`), which are no misspelling of ours.
        project = getattr(req.config, "_project_name", None)
        misspelt = (
            misspelt_keys(every, project=project if isinstance(project, str) else None)
            if isinstance(every, Mapping)
            else []
        )
        found = [misspelt_key_problem(key, meant) for key, meant in misspelt]
        if isinstance(every, Mapping):
            # A key only the plugin reads (`github-private-registry:baseUrl`) whose own key is unset
            # would otherwise send the token to api.github.com.
            found += plugin_only_key_problems(every, os.environ)
        config = {s.key: req.config.get(s.key) for s in DYNAMIC_KEYS.all}
        # Every problem in one answer: the keys misspelt, then each value refused.
        found += [str(error) for error in settings.problems(config, DYNAMIC_KEYS)]
        if found:
            raise RegistryError("configuration", DYNAMIC, problems=settings.joined(found))
        self._runtime = Runtime.shared(_settings(config), DYNAMIC)

    @property
    def runtime(self) -> Runtime:
        """The runtime from ``configure``; from the environment alone if the engine never configured."""
        return self._runtime or Runtime.shared(_settings({}), DYNAMIC)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Fill defaults and report every invalid property; makes no request."""
        checked = lifecycle.check(self.runtime, _props(news))
        failures = [CheckFailure(p.field, schema.render(p, DYNAMIC)) for p in checked.problems]
        return CheckResult({k: _from_core(v) for k, v in checked.inputs.items()}, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace on org, registry_type or auth_type; update in place for all else; no request."""
        plan = lifecycle.diff(self.runtime, id_, _props(olds), _props(news))
        return DiffResult(
            changes=plan.changes,
            replaces=list(plan.replaces),
            delete_before_replace=plan.delete_first,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """POST the registry, or adopt an existing one when ``adopt`` is true."""
        written = lifecycle.create(self.runtime, _props(props))
        return CreateResult(written.id, written.outputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH what changed, then GET once; returns every output."""
        return UpdateResult(lifecycle.update(self.runtime, id_, _props(olds), _props(news)).outputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE the registry (gone already counts once the org's list confirms it)."""
        lifecycle.delete(self.runtime, id_, _props(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from the org's list; an empty id when the registry is gone."""
        refreshed = lifecycle.read(self.runtime, id_, _props(props))
        return ReadResult(refreshed.id, refreshed.outputs, refreshed.inputs)


def _settings(config: dict[str, Any]) -> settings.Settings:
    try:
        return settings.resolve(config, DYNAMIC_KEYS)
    except settings.SettingError as exc:
        raise RegistryError("configuration", DYNAMIC, problems=str(exc)) from None
