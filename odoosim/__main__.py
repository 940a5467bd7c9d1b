"""``python -m odoosim serve ...``: run the simulator (see ``odoosim.cli``)."""

import sys

from odoosim.cli import main

if __name__ == "__main__":
    sys.exit(main())
