"""Kubernetes object-name rules, with apimachinery's messages (pure).

Each function returns the list of problems (empty = valid), as the upstream `Is…` functions in
k8s.io/apimachinery/pkg/util/validation/validation.go do. Which rule applies to which kind is the
kind's `Validate…Name` in pkg/apis/core/validation (Service: `ValidateServiceName` = DNS-1035;
Namespace: DNS-1123 label; most others: `NameIsDNSSubdomain`). `validate` uses the same rules for
the names ai-deploy-ci derives, so a name a real cluster would refuse fails before any write.
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_MAX = 63

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + r"(\." + _LABEL_FMT + ")*"
_LABEL = re.compile(f"^{_LABEL_FMT}$")
_DNS1035 = re.compile(f"^{_DNS1035_FMT}$")
_SUBDOMAIN = re.compile(f"^{_SUBDOMAIN_FMT}$")


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"  # validation.MaxLenError


def is_dns1123_label(value: str) -> list[str]:
    """`IsDNS1123Label`: Namespaces, and the prefix-free names of many fields."""
    errs = [_max_len(DNS1123_LABEL_MAX)] if len(value) > DNS1123_LABEL_MAX else []
    if not _LABEL.match(value):
        errs.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
            f"regex used for validation is '{_LABEL_FMT}')"
        )
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """`IsDNS1123Subdomain`: Deployments, Pods, ConfigMaps, Secrets, Leases, HPAs, Ingresses…"""
    errs = [_max_len(DNS1123_SUBDOMAIN_MAX)] if len(value) > DNS1123_SUBDOMAIN_MAX else []
    if not _SUBDOMAIN.match(value):
        errs.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
            "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            f"regex used for validation is '{_SUBDOMAIN_FMT}')"
        )
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """`IsDNS1035Label`: Service names (and so Ingress/HTTPRoute backends): must start with a letter."""
    errs = [_max_len(DNS1035_LABEL_MAX)] if len(value) > DNS1035_LABEL_MAX else []
    if not _DNS1035.match(value):
        errs.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
            "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
            f"'abc-123', regex used for validation is '{_DNS1035_FMT}')"
        )
    return errs


# Kind → the name rule its registry strategy applies (pkg/apis/*/validation `Validate<Kind>Name`).
NAME_RULES = {
    "Service": is_dns1035_label,
    "Namespace": is_dns1123_label,
}


def name_problems(kind: str, name: str) -> list[str]:
    """Problems of `name` for an object of `kind` (DNS-1123 subdomain unless the kind says otherwise)."""
    return NAME_RULES.get(kind, is_dns1123_subdomain)(name)
