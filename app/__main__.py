"""`python -m app`: see app/launcher.py."""

import sys

from app.launcher import main

if __name__ == "__main__":
    sys.exit(main())
