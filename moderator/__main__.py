import sys

from moderator.cli import main

sys.exit(main())
