"""Thin re-export for `locust -f load/users/json_predict.py`.

The class lives in ai_deploy_ci.load_users (installed with the package).
"""

from ai_deploy_ci.load_users.json_predict import JsonPredictUser

__all__ = ["JsonPredictUser"]
