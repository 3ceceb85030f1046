"""``python -m devserver --app-root DIR --host H --port P --settings FILE [--enable-auth]``."""
import sys

from devserver.server import main

sys.exit(main())
