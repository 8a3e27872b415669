"""The stack program: the registries declared in stack config, and the org infrastructure beside them.

Reads ``github-private-registries:registries`` (its shape is
:mod:`pulumi_github_private_registry.tools.stackconfig`'s; without it, the program fails rather than
declare nothing and so delete every registry), declares one ``OrgPrivateRegistry`` per entry
and, for entries that ask, a pulumi-github ``CodespacesOrganizationSecret`` carrying the same
credential. Secrets come only from secret config keys. Repositories given by name are resolved to
ids with pulumi-github's ``get_repository``. pulumi-github is used only when an entry needs it, so
a stack of ids and no Codespaces secrets deploys with no pulumi-github plugin at all (the demo).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_github as github

from pulumi_github_private_registry import OrgPrivateRegistry
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.audiences.misspelt_keys import (
    misspelt_key_problem,
    misspelt_keys,
    plugin_only_key_problems,
)
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.core.errors import MAX_LINE, bounded
from pulumi_github_private_registry.core.schema import Problem
from pulumi_github_private_registry.tools import stackconfig
from pulumi_github_private_registry.tools.stackconfig import RegistryEntry, SecretStatus

__all__ = ["GitHubProviders", "main"]


class GitHubProviders:
    """pulumi-github providers, one per org, made on first use.

    ``github:owner``'s org uses the default provider; any other org gets an explicit provider with
    the same ``github:*`` settings and its own owner.
    """

    def __init__(self, owner: str | None, config: pulumi.Config) -> None:
        self._owner = owner
        self._config = config
        self._providers: dict[str, github.Provider] = {}

    def provider(self, org: str) -> github.Provider | None:
        """The provider for ``org``; None means pulumi-github's default provider."""
        if self._owner is not None and org.lower() == self._owner.lower():
            return None
        key = org.lower()
        if key not in self._providers:
            self._providers[key] = github.Provider(
                f"github-{key}",
                owner=org,
                token=self._config.get_secret("token"),
                base_url=self._config.get("baseUrl"),
                write_delay_ms=self._config.get_int("writeDelayMs"),
            )
        return self._providers[key]

    def invoke_options(self, org: str) -> pulumi.InvokeOptions:
        """Options for a pulumi-github data source read in ``org``."""
        return pulumi.InvokeOptions(provider=self.provider(org))

    def resource_options(self, org: str) -> pulumi.ResourceOptions:
        """Options for a pulumi-github resource in ``org``."""
        return pulumi.ResourceOptions(provider=self.provider(org))


def _secret_status(config: pulumi.Config) -> Callable[[str], SecretStatus]:
    def status(key: str) -> SecretStatus:
        if config.get(key) is None:
            return "missing"
        return "secret" if pulumi.runtime.is_config_secret(stackconfig.full_key(key)) else "plaintext"

    return status


def _stack_config() -> dict[str, Any]:
    """Every key of the stack config, of any namespace, with its value (for the checks of keys set
    under a name nobody reads).

    The Pulumi CLI hands a program its config as JSON in ``PULUMI_CONFIG``; the Automation API's
    inline programs and ``pulumi.runtime.set_all_config`` (the tests, under mocks) fill the
    runtime's config map instead. ``pulumi.Config`` reads both, but only looks keys up by name.
    """
    every = dict(pulumi.runtime.config.CONFIG.get())
    for key, value in pulumi.runtime.get_config_env().items():
        every.setdefault(key, value)
    return every


def _repository_ids(entry: RegistryEntry, providers: GitHubProviders) -> list[pulumi.Output[int]]:
    """The ids of the entry's repositories given by name, read with pulumi-github."""
    org = entry.org or ""
    return [
        github.get_repository_output(
            full_name=stackconfig.repository_full_name(org, name),
            opts=providers.invoke_options(org),
        ).repo_id
        for name in entry.repository_names
    ]


def main() -> None:
    """Declare every registry of the stack config; fail before declaring any if the config is wrong."""
    config = pulumi.Config(stackconfig.PROJECT)
    github_config = pulumi.Config("github")
    stack = pulumi.get_stack()
    # A misspelt provider key first, as `validate` says it (and the provider's configure would fail
    # on it); its value stands for the key meant, so that nothing follows from the misspelling
    # alone (`github:ower`: no "set org" on each registry that needs one).
    every = _stack_config()
    misspelt = misspelt_keys(every, project=pulumi.get_project())
    lines = [misspelt_key_problem(key, meant) for key, meant in misspelt]
    owner = github_config.get("owner")
    for key, meant in misspelt:
        if owner is None and meant == DYNAMIC_KEYS.owner.key:
            namespace, _, name = key.partition(":")
            owner = pulumi.Config(namespace).get(name)
    owner = DYNAMIC_KEYS.owner.resolve(owner)

    entries, list_problems = stackconfig.parse_registries(
        config.get_object(stackconfig.REGISTRIES_KEY), default_org=owner, config_keys=list(every)
    )
    status = _secret_status(config)
    # A setting under a key nobody reads here: the plugin's (`github-private-registry:baseUrl`
    # would leave the provider on api.github.com; the provider reads the environment too), or this
    # program's namespace.
    lines.extend(plugin_only_key_problems(every, os.environ))
    # Every value the dynamic provider's configure would refuse (it reads the environment too), as
    # it says them, beside the keys above: one run names them all.
    lines.extend(str(error) for error in settings.problems(every, DYNAMIC_KEYS))
    named_secrets = [entry.secret_key for entry in entries if entry.secret_key]
    lines.extend(stackconfig.provider_setting_problems(every, named_secrets))
    lines.extend(list_problems)
    # The keys set that no registry names: a secret key not set may be one of them misspelt, or set
    # in another namespace (as `validate` says too).
    named = {stackconfig.full_key(entry.secret_key) for entry in entries if entry.secret_key}
    unnamed = [key for key in every if key not in named]
    for entry in entries:
        problems = [*entry.problems, *stackconfig.secret_problems(entry, status, stack, unnamed)]
        if entry.org is None and "org" not in entry.hinted and (entry.repository_names or entry.codespaces):
            # Without an org, the provider's check reports it; pulumi-github needs it before that.
            problems.append(Problem("entry_org_needed", "org"))
        lines.extend(entry.describe(p) for p in problems)
    if lines:
        raise pulumi.RunError(
            f"the stack configuration of '{stack}' has {len(lines)} problem(s):\n  "
            # A secret pasted where a key name belongs would be echoed by the problem that names it,
            # and the file's text reaches the terminal only as one printable, bounded line each.
            + "\n  ".join(bounded(line, MAX_LINE) for line in lines)
        )

    providers = GitHubProviders(owner, github_config)
    exported: list[dict[str, Any]] = []
    for entry in entries:
        secret = config.require_secret(entry.secret_key) if entry.secret_key and entry.takes_secret else None
        props = entry.declaration(secret, _repository_ids(entry, providers))
        registry = OrgPrivateRegistry(entry.resource_name, **props)
        exported.append({"org": registry.org, "name": registry.name, "id": registry.id})
        if entry.codespaces is not None and entry.org is not None and secret is not None:
            codespaces = github.CodespacesOrganizationSecret(
                f"{entry.org}-codespaces-{entry.codespaces.name}",
                secret_name=entry.codespaces.name,
                visibility=entry.codespaces.visibility,
                plaintext_value=secret,
                selected_repository_ids=(
                    props.get("selected_repository_ids")
                    if entry.codespaces.visibility == "selected"
                    else None
                ),
                opts=providers.resource_options(entry.org),
            )
            exported[-1]["codespaces_secret"] = codespaces.secret_name
    pulumi.export("registries", exported)
