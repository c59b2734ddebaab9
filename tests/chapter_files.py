"""A chapter's own files (chapters/NN_name/demos.py, checks.py), for the tests beside them.

Every chapter has a demos.py, so `import demos` would give the first one imported to all of them:
each is loaded from its path, under a name of its own.
"""

import importlib.util
import sys
from pathlib import Path


def chapter_module(test_file, name):
    """The module `name` (e.g. "demos") of the chapter whose folder holds `test_file`."""
    folder = Path(test_file).resolve().parent
    unique = f"chapter_{folder.name}_{name}"
    if unique not in sys.modules:
        spec = importlib.util.spec_from_file_location(unique, folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        spec.loader.exec_module(module)
    return sys.modules[unique]
