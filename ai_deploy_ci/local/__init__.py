"""The embedded local environment: a product feature (`demo`, `local-cluster`), not test code.

- `apiserver/`: a strict Kubernetes API server with controllers (Deployments, ReplicaSets, Pods
  as real processes, Endpoints, Jobs, GC, a GPU scheduler) — held to kube-apiserver's rules;
- `gateway/`: a traffic gateway that routes by Services, HTTPRoutes, Istio and NGINX objects;
- `model_server/`: the sample model server (JSON predict, OIP v2, OpenAI-compatible streaming);
- `environment.py`: one facade that starts them together (used by `demo`, `local-cluster` and
  the test fixtures alike).

The product (pipeline, cluster, gates, …) never imports this package (`.importlinter`).
"""
