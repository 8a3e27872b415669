"""The core: GitHub's private-registries API and the registry's lifecycle, without Pulumi.

``schema`` (the field table and its rules), ``settings`` (where GitHub is and how to reach it),
``errors`` (failures and redaction), ``version``, the REST client in four layers (``pacing``,
``transport``, ``answers``, ``client``), ``crypto`` (sealing and the key cache), ``inventory``
(per-org snapshots and claims) and ``lifecycle`` (check, diff, create, read, update, delete over
plain mappings, given a :class:`~.lifecycle.Runtime`). Nothing here imports Pulumi, a front door, a
tool or the emulator.
"""
