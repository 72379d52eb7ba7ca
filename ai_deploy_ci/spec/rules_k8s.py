"""Rules a Kubernetes API server applies to the objects a deploy.yaml becomes, checked first.

A `deploy.yaml` that passes `validate` must not produce a Deployment or Service that a real
cluster refuses with 422 halfway through a rollout. So the container resources the plan writes
(requests, limits, and `gpus` as the `nvidia.com/gpu` limit) go through the same rule the local
API server uses (`k8s_resources.resource_causes`, after core/validation
`ValidateResourceRequirements`), and every Service name the plan derives goes through
`ValidateServiceName` (DNS-1035: it must start with a letter).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path as FsPath

from ai_deploy_ci.spec import quantity
from ai_deploy_ci.spec.k8s_names import is_dns1035_label
from ai_deploy_ci.spec.k8s_resources import is_extended, resource_causes
from ai_deploy_ci.spec.problems import Path
from ai_deploy_ci.spec.rules import problem
from ai_deploy_ci.spec.walk import Doc, get
from ai_deploy_ci.spec.yaml_positions import Document, RawProblem

GPU = "nvidia.com/gpu"
# Suffixes the plan appends to metadata.name for Services (plan/objects.py `Names.of`).
SERVICE_SUFFIXES = ("-candidate", "-preview", "-stable")


def check_service_names(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    """Names that become Services must be DNS-1035 labels (a leading digit is refused)."""
    name = get(data, "metadata", "name")
    explicit = get(data, "trafficRouter", "service")
    in_place = get(data, "strategy", "type") in ("rolling", "recreate")
    candidates: list[tuple[Path, str, str]] = []
    if isinstance(name, str) and not (in_place and explicit):
        candidates.append((("metadata", "name"), name, f"Services such as '{name}{SERVICE_SUFFIXES[0]}'"))
    fields: tuple[Path, ...] = (("trafficRouter", "service"), ("strategy", "blueGreen", "previewService"))
    for path in fields:
        value = get(data, *path)
        if isinstance(value, str):
            candidates.append((path, value, "a Service"))
    for path, value, what in candidates:
        if value and is_dns1035_label(value):
            fixed = value.lstrip("0123456789-") or "model"
            yield problem(
                doc,
                path,
                f"'{value}' names {what}, and a Kubernetes Service name must be a DNS-1035 label "
                "(start with a lower-case letter; letters, digits and '-')",
                f"start the name with a letter, e.g. '{fixed}' or 'm-{value}'",
            )


def check_resources(data: Doc, doc: Document, base: FsPath) -> Iterator[RawProblem]:
    """requests ≤ limits, extended resources (GPUs) whole and with request = limit, as the API server."""
    resources = get(data, "server", "resources")
    if not isinstance(resources, dict):
        return
    requests = dict(get(resources, "requests", default={}) or {})
    limits = dict(get(resources, "limits", default={}) or {})
    gpus = get(resources, "gpus")
    at: Path = ("server", "resources")
    for part, values in (("requests", requests), ("limits", limits)):
        for key, value in values.items():
            try:
                quantity.parse(value)
            except (quantity.QuantityError, TypeError) as exc:
                yield problem(
                    doc, (*at, part, key), f"{part}.{key}: {exc}", "a quantity such as 500m, 2, 8Gi"
                )
    if isinstance(gpus, int) and gpus:
        if GPU in limits and not quantity.equal(limits[GPU], gpus):
            yield problem(
                doc,
                (*at, "limits", GPU),
                f"limits.{GPU} ({limits[GPU]}) disagrees with gpus ({gpus}); the plan writes gpus",
                f"remove limits.{GPU} and keep `gpus: {gpus}`",
            )
        limits[GPU] = str(gpus)  # what plan/objects.py writes
    for name in sorted(set(requests) | set(limits)):
        one = {part: {name: v[name]} for part, v in (("requests", requests), ("limits", limits)) if name in v}
        for field, _reason, message in resource_causes(one, ""):
            part = field.lstrip(".").split("[")[0]
            written = [
                q for q in (part, "requests", "limits") if name in (get(resources, q, default={}) or {})
            ]
            path: Path = (*at, written[0], name) if written else (*at, "gpus")
            fix = (
                f"give whole GPUs as `gpus: N` (written as the {GPU} limit, which is also the request)"
                if is_extended(name)
                else f"lower requests.{name} or raise limits.{name}: a request may not exceed its limit"
            )
            yield problem(doc, path, f"resources.{part}.{name}: {message}", fix)
