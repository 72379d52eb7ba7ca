import sys

from ai_deploy_ci.cli import main

sys.exit(main())
