from .legacy import LegacyAddress  # noqa: F401
