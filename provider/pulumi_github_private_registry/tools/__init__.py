"""The user's tools: the command line (``discover``, ``validate``) and the stack-config reader."""
