"""`same` decides whether a write is skipped: a selector that lost a key is a change.

Regression: the `replicas` router's public Service goes from `{app, track: stable}` to `{app}`
(both tracks). A subset test called that "unchanged", the write was skipped, and at 50 % no user
request reached the candidate (issue #12).
"""

from __future__ import annotations

import pytest

from ai_deploy_ci.plan.compare import same

APP = {"app.kubernetes.io/name": "churn"}
STABLE = {**APP, "ai-deploy-ci.io/track": "stable"}


def _svc(selector: dict[str, str]) -> dict[str, object]:
    spec = {"selector": selector, "type": "ClusterIP"}
    return {"kind": "Service", "metadata": {"name": "churn"}, "spec": spec}


def _deploy(match: dict[str, str]) -> dict[str, object]:
    return {"kind": "Deployment", "spec": {"selector": {"matchLabels": match}, "replicas": 2}}


@pytest.mark.parametrize(
    ("desired", "live", "expected"),
    [
        pytest.param(_svc(APP), _svc(STABLE), False, id="service-selector-lost-a-key"),
        pytest.param(_svc(STABLE), _svc(APP), False, id="service-selector-gained-a-key"),
        pytest.param(_svc(STABLE), _svc(STABLE), True, id="service-selector-equal"),
        pytest.param({"kind": "Service", "spec": {"selector": APP}}, _svc(APP), True,
                     id="server-defaults-elsewhere-ignored"),
        pytest.param(_deploy(APP), _deploy(STABLE), False, id="matchLabels-lost-a-key"),
        pytest.param({"metadata": {"labels": APP}}, {"metadata": {"labels": STABLE}}, True,
                     id="labels-stay-a-subset-test"),
    ],
)
def test_selector_maps_compare_exactly(desired: object, live: object, expected: bool) -> None:
    assert same(desired, live) is expected
