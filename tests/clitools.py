"""Helpers of the `discover`/`validate` command-line tests: a clean environment, seeded orgs, one run."""

from __future__ import annotations

import os

import pytest

from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import cli

__all__ = ["clean_environment", "discover", "seed"]


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GITHUB_* variable of the developer's (nor OTHER_TOKEN, which tests name as a token variable)."""
    for name in [*(n for n in os.environ if n.startswith("GITHUB_")), "OTHER_TOKEN"]:
        monkeypatch.delenv(name, raising=False)


def seed(emulator: Emulator, org: str = "acme", *, npm_secret: str, replaces_base: bool = False) -> None:
    """Three registries in `org`: npm (selected repositories, a token), maven (username), docker (OIDC)."""
    emulator.put_registry(
        org,
        registry_type="npm_registry",
        url="https://npm.pkg.github.com/acme",
        visibility="selected",
        selected_repository_ids=[11, 12],
        **({"replaces_base": True} if replaces_base else {}),
        value=npm_secret,
    )
    emulator.put_registry(
        org,
        registry_type="maven_repository",
        url="https://maven.acme.example/releases/",
        visibility="private",
        auth_type="username_password",
        username="dependabot",
        value="maven-secret",
    )
    emulator.put_registry(
        org,
        registry_type="docker_registry",
        url="https://acme.jfrog.io",
        visibility="all",
        auth_type="oidc_jfrog",
        jfrog_oidc_provider_name="github-acme",
    )


def discover(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`discover *args` in this process: (exit status, stdout, stderr)."""
    status = cli.main(["discover", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err
