"""The config keys each door reads: its namespaces, and pulumi-github's keys a stack may hold.

The core's settings table (:mod:`..core.config_keys`) states every setting once; a door only gives
the namespaces its keys live in (:func:`..core.config_keys.door_keys`). Imports only the core.
"""

from __future__ import annotations

from typing import Final

from ..core.config_keys import Keys, door_keys, environment_keys
from .pulumi_words import SET_SECRET, SET_SECRET_PATH

__all__ = [
    "COMMAND_KEYS",
    "DYNAMIC_KEYS",
    "GITHUB",
    "PACKAGE",
    "PLUGIN_KEYS",
    "PULUMI_GITHUB_KEYS",
]

GITHUB: Final = "github"
"""pulumi-github's config namespace, whose token, base URL, owner, write delay and App the dynamic
provider reads too."""
PACKAGE: Final = "github-private-registry"
"""The plugin's package name, and the namespace of this provider's own config keys."""

DYNAMIC_KEYS: Final[Keys] = door_keys(GITHUB, PACKAGE, set_secret=SET_SECRET, set_secret_path=SET_SECRET_PATH)
"""The dynamic provider's keys: pulumi-github's own (``github:token``, ...), so that one stack config
serves both providers, and this provider's tuning keys."""
PLUGIN_KEYS: Final[Keys] = door_keys(PACKAGE, PACKAGE, set_secret=SET_SECRET, set_secret_path=SET_SECRET_PATH)
"""The plugin's keys, all in its package's namespace (``github-private-registry:token``, ...)."""
COMMAND_KEYS: Final[Keys] = environment_keys()
"""The command-line tools' (``discover``, ``drift``): they read the environment, so a message names
the variable (``GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT``)."""

PULUMI_GITHUB_KEYS: Final = frozenset(
    {
        "appAuth",
        "baseUrl",
        "cachePath",
        "insecure",
        "legacyClient",
        "maxPerPage",
        "maxRetries",
        "organization",
        "owner",
        "parallelRequests",
        "readDelayMs",
        "retryDelayMs",
        "retryableErrors",
        "token",
        "writeDelayMs",
    }
)
"""Every key pulumi-github reads in its namespace (``pulumi_github/config/vars.py``; a test keeps
this in step with the installed package): a stack sets them for pulumi-github, so none is ever taken
for a misspelling of ours (``readDelayMs`` is as near ``writeDelayMs`` as a typo)."""
