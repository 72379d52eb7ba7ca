"""`ai_deploy_ci.report.publish.publish`, the name docs/design/team.md promises.

The implementation lives in `report.github.publish` (it does I/O); importing it lazily keeps
`import ai_deploy_ci.report` free of `requests` for the pure renderer's users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ai_deploy_ci.report.github.publish import PublishResult


def publish(results_dir: Any, **kwargs: Any) -> PublishResult:
    from ai_deploy_ci.report.github.publish import publish as _publish

    return _publish(results_dir, **kwargs)
