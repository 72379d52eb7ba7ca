"""Thin re-export for `locust -f load/users/open_inference_v2.py`.

The class lives in ai_deploy_ci.load_users (installed with the package).
"""

from ai_deploy_ci.load_users.open_inference_v2 import OpenInferenceV2User

__all__ = ["OpenInferenceV2User"]
