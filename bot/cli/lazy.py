"""Stand-ins for libraries that `steward check` reaches but never uses, imported on first use.

`check` runs once per commit in a hook, so its start-up counts. detect-secrets (whose
token regexes the secrets detector reuses) imports `requests` for its online key
verification, which Steward never calls: about a fifth of a check's start-up. A
stand-in registered under the module's name satisfies `import requests`; the real
module is imported the first time anything reads an attribute of it, so code that
does use it behaves as before.

(The stdlib's `importlib.util.LazyLoader` does not help here: on Python 3.11 every
later `import requests` reads the module's `__spec__`, which loads it.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


class _Deferred(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:   # only called for attributes the stand-in lacks
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
            importlib.import_module(name)
        return getattr(sys.modules[name], attr)


def defer_import(name: str) -> None:
    """Put a stand-in for top-level module `name` in sys.modules, unless it is loaded or absent."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin
    sys.modules[name] = stand_in
