"""``python -m napari_symseg.cli``: the ``napari-symseg`` command."""

import sys

from . import main

sys.exit(main())
