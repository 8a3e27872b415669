"""Each door's audience as a value: how its users name the fields, the words its advice names (the
commands they run, the options they set), and its config keys.

The core words its problems and failures as data with slots; a door passes its audience to the
core (``Runtime.shared(settings, audience)``), and the core's messages come out in that door's
words. Modules here import only :mod:`..core` and each other, never the Pulumi SDK (``validate``
stays light). A third door is a translation module and an audience here, with no edit of the core.
"""
