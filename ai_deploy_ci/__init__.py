"""ai-deploy-ci: ship model servers to Kubernetes from a pull request, with no downtime and no
silent regressions."""
