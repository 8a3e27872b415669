"""The package's version, in one place: the client's User-Agent, the plugin and the build read it here."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.4.1"
