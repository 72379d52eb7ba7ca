"""deploy.yaml: reading, validation with file:line:col, and the frozen `Spec` dataclasses.

Entry points: `spec.load.load_spec(path) -> Spec` and `spec.load.validate_file(path) -> [Problem]`.
Pipeline: `yaml_positions` (YAML with positions) → `schema` (JSON Schema, package data) →
`rules`, `rules_load` (what a schema cannot say) → `lint` (zero-downtime warnings) → `convert`.
`capabilities` is the one strategy/router capability table, shared with `ai_deploy_ci.routers`.
Nothing here imports kubernetes, Locust, scipy or numpy: `validate` must stay fast.
"""
