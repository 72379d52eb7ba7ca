"""Shared fixtures: each local-environment part registers its own as a pytest plugin."""

pytest_plugins = [
    "tests.support.fixtures_cluster",
    "tests.support.fixtures_servers",
    "tests.support.fixtures_prometheus",
    "tests.support.fixtures_github",
    "tests.support.fixtures_actions",
]
