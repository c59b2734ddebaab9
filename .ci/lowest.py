"""Print the lowest versions pyproject.toml allows, as pins for pip: numpy>=1.26 -> numpy==1.26.

CI installs them in a second environment and runs the learner's loop there, so that the
oldest IPython (and numpy, matplotlib, ipykernel) the course admits is tested, not assumed.
"""

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from pip._vendor import tomli as tomllib

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    match = re.fullmatch(r"([\w.-]+)>=([\w.]+)", requirement.replace(" ", ""))
    if not match:
        sys.exit(f"cannot pin {requirement!r}: every requirement should be name>=lowest")
    print(f"{match[1]}=={match[2]}")
