"""Tables of the case store (none yet: see the package docstring)."""
