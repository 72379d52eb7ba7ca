"""Thin re-export for `locust -f load/users/openai_completions.py`.

The class lives in ai_deploy_ci.load_users (installed with the package).
"""

from ai_deploy_ci.load_users.openai_completions import OpenAICompletionsUser

__all__ = ["OpenAICompletionsUser"]
