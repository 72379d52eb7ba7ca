"""Thin re-export of the stages load shape, to subclass in a locustfile run by hand.

The class lives in ai_deploy_ci.load_users (installed with the package).
"""

from ai_deploy_ci.load_users.stages import StagesShape

__all__ = ["StagesShape"]
