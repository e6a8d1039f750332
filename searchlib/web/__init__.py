"""`searchlib serve`'s web application: search pages and a JSON API over an index.

Imported only by that command and by whoever serves the app themselves: searching
from the command line never loads the web stack.
"""

from __future__ import annotations

from searchlib.web.app import create_app

__all__ = ["create_app"]
