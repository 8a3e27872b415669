"""The provider plugin ``github-private-registry``: ``OrgPrivateRegistry`` for every Pulumi language.

``python -m pulumi_github_private_registry.plugin`` serves it (first stdout line: the port), as
``provider/__main__.py`` does when the Pulumi CLI loads the ``provider/`` folder
(``PulumiPlugin.yaml``: the Python runtime, with pip and the folder's ``venv``). :mod:`.package`
generates its schema.
"""
