"""The library's loggers. Their records go wherever the application sends them, and
nowhere when it sets up no logging: Python would otherwise print warnings to stderr,
and library code never prints."""

from __future__ import annotations

import logging

logging.getLogger("searchlib").addHandler(logging.NullHandler())


def logger(name: str) -> logging.Logger:
    """The logger of module `name` (under "searchlib")."""
    return logging.getLogger(name)
