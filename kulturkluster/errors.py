"""The root of every error this service raises on purpose.

Specific errors live next to the code they belong to and subclass this one; their messages say, in plain
words, what a member of staff or an operator can do about them.
"""


class KulturklusterError(Exception):
    """Base class of the service's own errors."""


class ConfigurationError(KulturklusterError):
    """A setting is missing or inconsistent."""
