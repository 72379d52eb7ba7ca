"""The sample model server: a real iris classifier behind JSON predict, OIP v2 and OpenAI APIs.

`ModelServer(knobs).start()` runs it in-process (a thread); `start_model_server_process(...)`
in `process.py` runs `python -m ai_deploy_ci model-server` as a child, as the local cluster's
kubelet does. See docs/model-server.md for endpoints and knobs.
"""

from ai_deploy_ci.local.model_server.knobs import Knobs, knobs_from
from ai_deploy_ci.local.model_server.server import ModelServer

__all__ = ["Knobs", "ModelServer", "knobs_from"]
