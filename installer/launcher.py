"""Entry script of the packaged executable.

PyInstaller runs its entry script as ``__main__``, where the package's own
``viveka_pos/__main__.py`` could not use relative imports; this calls the same ``main`` as
the ``viveka-pos`` console script, so the bundle and a pip install behave alike.
"""

import sys

from viveka_pos.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
