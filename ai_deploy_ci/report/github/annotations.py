"""Failing metrics as error annotations on the deploy.yaml line that defines them.

GitHub shows at most 10 error annotations per step; an 11th would vanish silently, so the
first nine are written and the rest folded into one closing annotation that names them.
"""

from __future__ import annotations

from ai_deploy_ci.errors import Location, annotation
from ai_deploy_ci.report.inputs import JsonObject, get, objects

MAX_PER_STEP = 10


def metric_annotations(
    verdict: JsonObject | None, spec_file: str = "deploy.yaml", *, limit: int = MAX_PER_STEP
) -> list[str]:
    """`::error file=…,line=…::…` lines for FAIL checks (INCONCLUSIVE ones as warnings)."""
    lines: list[tuple[str, str]] = []  # (level, line)
    for check in objects(get(verdict, "checks", list)):
        state = get(check, "verdict", str)
        if state not in ("FAIL", "INCONCLUSIVE"):
            continue
        name = get(check, "metric", str, "metric")
        reason = get(check, "reason", str) or f"{name}: {state}"
        line = get(check, "line", int)
        where = Location(spec_file, line if line and line > 0 else None)
        level = "error" if state == "FAIL" else "warning"
        title = f"{name}: {'regression' if state == 'FAIL' else 'inconclusive'}"
        lines.append((level, annotation(level, reason, where, title=title)))
    errors = [text for level, text in lines if level == "error"]
    warnings = [text for level, text in lines if level == "warning"]
    if len(errors) > limit:
        rest = len(errors) - (limit - 1)
        errors = [
            *errors[: limit - 1],
            annotation(
                "error",
                f"{rest} more failing metrics; see the job summary for all of them",
                Location(spec_file),
            ),
        ]
    return errors + warnings[:limit]
