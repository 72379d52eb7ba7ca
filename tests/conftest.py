"""Shared fixtures: each local-environment part registers its own as a pytest plugin."""

pytest_plugins = [
    "ai_deploy_ci.testing.fixtures_cluster",
    "ai_deploy_ci.testing.fixtures_servers",
    "ai_deploy_ci.testing.fixtures_prometheus",
    "ai_deploy_ci.testing.fixtures_github",
    "ai_deploy_ci.testing.fixtures_actions",
]
