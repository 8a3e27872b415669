"""Where the provider, the CLI and the stack program find GitHub: config keys and environment.

pulumi-github's own keys come first (``github:token``, ``github:baseUrl``, ``github:owner``,
``github:writeDelayMs``), so one stack config serves both providers; then this provider's tuning
keys. Each falls back to an environment variable when the config does not set it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "ALL",
    "BASE_URL",
    "MAX_CONCURRENCY",
    "MAX_RETRY_WAIT",
    "OWNER",
    "REQUEST_TIMEOUT",
    "TOKEN",
    "WRITE_DELAY_MS",
    "Setting",
]


@dataclass(frozen=True)
class Setting:
    """A config key and the environment variable read when the config leaves it unset."""

    key: str
    env: str

    def resolve(self, configured: Any) -> Any:
        """``configured`` if set, else the environment variable's value, else None."""
        if configured not in (None, ""):
            return configured
        return os.environ.get(self.env) or None


TOKEN: Final = Setting("github:token", "GITHUB_TOKEN")
BASE_URL: Final = Setting("github:baseUrl", "GITHUB_BASE_URL")
OWNER: Final = Setting("github:owner", "GITHUB_OWNER")
WRITE_DELAY_MS: Final = Setting("github:writeDelayMs", "GITHUB_WRITE_DELAY_MS")
MAX_CONCURRENCY: Final = Setting(
    "github-private-registry:maxConcurrency", "GITHUB_PRIVATE_REGISTRY_MAX_CONCURRENCY"
)
MAX_RETRY_WAIT: Final = Setting(
    "github-private-registry:maxRetryWait", "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT"
)
REQUEST_TIMEOUT: Final = Setting(
    "github-private-registry:requestTimeout", "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT"
)
ALL: Final = (TOKEN, BASE_URL, OWNER, WRITE_DELAY_MS, MAX_CONCURRENCY, MAX_RETRY_WAIT, REQUEST_TIMEOUT)
"""Every setting the provider reads in ``configure``."""
