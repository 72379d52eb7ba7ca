"""Validation a schema cannot express, done by kube-apiserver's registry strategies (422 Invalid):
names, label values, selector/template agreement, required containers, immutable fields.

Only the checks whose absence would let a real-cluster bug pass here are implemented.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ai_deploy_ci.spec.k8s_names import name_problems

from . import hpa_rules, size_limits
from .errors import invalid
from .pod_rules import container_causes, rolling_update_causes
from .resources import ResourceType
from .selectors import match_label_selector

Cause = tuple[str, str, str]
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
TEMPLATED = {"Deployment": "Always", "ReplicaSet": "Always", "StatefulSet": "Always", "Job": None}


def _name_causes(meta: dict[str, Any], rt: ResourceType) -> list[Cause]:
    """`ValidateObjectMeta` with the kind's name function (core/validation `ValidateServiceName` is
    DNS-1035, `ValidateNamespaceName` DNS-1123 label, most kinds `NameIsDNSSubdomain`)."""
    name = meta.get("name")
    if not name:
        return [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]
    if rt.group == "apiextensions.k8s.io" or rt.kind == "Node" or rt.crd_name:
        return []
    return [
        ("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {msg}')
        for msg in name_problems(rt.kind, str(name))
    ]


def _label_causes(labels: dict[str, Any] | None, where: str) -> list[Cause]:
    out: list[Cause] = []
    for k, v in (labels or {}).items():
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            out.append(
                (
                    f"{where}",
                    "FieldValueInvalid",
                    f'Invalid value: "{v}": a valid label must be an empty '
                    "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                    "with an alphanumeric character",
                )
            )
        name = k.rsplit("/", 1)[-1]
        if not name or len(name) > 63 or not LABEL_VALUE.match(name):
            out.append(
                (
                    f"{where}",
                    "FieldValueInvalid",
                    f'Invalid value: "{k}": name part must consist of '
                    "alphanumeric characters, '-', '_' or '.'",
                )
            )
    return out


def _pod_spec_causes(spec: dict[str, Any] | None, where: str, restart: str | None, kind: str) -> list[Cause]:
    spec = spec or {}
    out: list[Cause] = []
    containers = spec.get("containers") or []
    if not containers:
        out.append((f"{where}.containers", "FieldValueRequired", "Required value"))
    seen: set[str] = set()
    for i, c in enumerate(containers):
        if not c.get("image"):
            out.append((f"{where}.containers[{i}].image", "FieldValueRequired", "Required value"))
        if c.get("name") in seen:
            out.append(
                (f"{where}.containers[{i}].name", "FieldValueDuplicate", f'Duplicate value: "{c["name"]}"')
            )
        seen.add(c.get("name", ""))
        for j, p in enumerate(c.get("ports") or []):
            if not 0 < int(p.get("containerPort", 0)) < 65536:
                out.append(
                    (
                        f"{where}.containers[{i}].ports[{j}].containerPort",
                        "FieldValueInvalid",
                        f"Invalid value: {p.get('containerPort')}: must be between 1 and 65535, inclusive",
                    )
                )
    out += container_causes(spec, where)
    policy = spec.get("restartPolicy", "Always")
    if kind == "Job" and policy not in ("OnFailure", "Never"):
        out.append(
            (
                f"{where}.restartPolicy",
                "FieldValueRequired",
                'Required value: valid values: "OnFailure", "Never"',
            )
        )
    elif restart and policy != restart:
        out.append(
            (
                f"{where}.restartPolicy",
                "FieldValueNotSupported",
                f'Unsupported value: "{policy}": supported values: "{restart}"',
            )
        )
    return out


def check(obj: dict[str, Any], rt: ResourceType, old: dict[str, Any] | None) -> None:
    """Raise 422 Invalid with every cause found (a real server also reports them all at once)."""
    meta = obj.get("metadata") or {}
    causes = _name_causes(meta, rt) + _label_causes(meta.get("labels"), "metadata.labels")
    causes += size_limits.annotation_causes(meta) + size_limits.data_causes(obj, rt.kind)
    spec = obj.get("spec") or {}
    if rt.kind in TEMPLATED:
        template = spec.get("template") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        selector = spec.get("selector")
        if rt.kind != "Job" and not selector:
            causes.append(("spec.selector", "FieldValueRequired", "Required value"))
        elif selector and not (selector.get("matchLabels") or selector.get("matchExpressions")):
            causes.append(
                (
                    "spec.selector",
                    "FieldValueInvalid",
                    'Invalid value: "null": empty selector is invalid for deployment',
                )
            )
        elif selector and not match_label_selector(selector, labels):
            causes.append(
                (
                    "spec.template.metadata.labels",
                    "FieldValueInvalid",
                    f"Invalid value: {json.dumps(labels)}: `selector` does not match template `labels`",
                )
            )
        if int(spec.get("replicas", 1) or 0) < 0:
            causes.append(
                (
                    "spec.replicas",
                    "FieldValueInvalid",
                    f"Invalid value: {spec['replicas']}: must be greater than or equal to 0",
                )
            )
        causes += _pod_spec_causes(template.get("spec"), "spec.template.spec", TEMPLATED[rt.kind], rt.kind)
        if rt.kind == "Deployment":
            causes += rolling_update_causes(spec)
        if old is not None and rt.kind != "Job" and old.get("spec", {}).get("selector") != selector:
            causes.append(
                (
                    "spec.selector",
                    "FieldValueInvalid",
                    f"Invalid value: {json.dumps(selector)}: field is immutable",
                )
            )
    elif rt.kind == "Pod":
        causes += _pod_spec_causes(spec, "spec", None, "Pod")
        if old is not None and _pod_mutable_view(old.get("spec", {})) != _pod_mutable_view(spec):
            causes.append(
                (
                    "spec",
                    "FieldValueForbidden",
                    "Forbidden: pod updates may not change fields other "
                    "than `spec.containers[*].image`,`spec.initContainers[*].image`,"
                    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
                    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                    "was previously negative)",
                )
            )
    elif rt.kind == "Ingress":
        causes += _ingress_backend_causes(spec)
    elif rt.kind == "HorizontalPodAutoscaler":
        causes += hpa_rules.causes(spec)
    elif rt.kind == "Service" and old is not None:
        old_ip = old.get("spec", {}).get("clusterIP")
        if spec.get("clusterIP") not in (None, "", old_ip):
            causes.append(
                (
                    "spec.clusterIPs[0]",
                    "FieldValueInvalid",
                    f'Invalid value: []string{{"{spec.get("clusterIP")}"}}: may not change once set',
                )
            )
    if causes:
        raise invalid(rt.kind, rt.group, meta.get("name", ""), causes)


def _ingress_backend_causes(spec: dict[str, Any]) -> list[Cause]:
    """networking/validation `validateIngressBackend`: a backend Service name is a Service name
    (`ValidateServiceName`, DNS-1035)."""
    backends: list[tuple[str, Any]] = [("spec.defaultBackend", spec.get("defaultBackend"))]
    for i, rule in enumerate(spec.get("rules") or []):
        for j, path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            backends.append((f"spec.rules[{i}].http.paths[{j}].backend", (path or {}).get("backend")))
    out: list[Cause] = []
    for where, backend in backends:
        name = ((backend or {}).get("service") or {}).get("name")
        if isinstance(name, str):
            out += [
                (f"{where}.service.name", "FieldValueInvalid", f'Invalid value: "{name}": {msg}')
                for msg in name_problems("Service", name)
            ]
    return out


def _pod_mutable_view(spec: dict[str, Any]) -> Any:
    """A pod spec with the fields that may change blanked out, for the immutability comparison."""
    view = json.loads(json.dumps(spec))
    for key in ("containers", "initContainers"):
        for c in view.get(key) or []:
            c.pop("image", None)
    for key in ("activeDeadlineSeconds", "tolerations", "nodeName", "terminationGracePeriodSeconds"):
        view.pop(key, None)
    return view
