"""Each door's audience as a value: how its users name settings and fields, and the words its
advice uses. Imports only the core (never the Pulumi SDK: ``validate`` stays light)."""
