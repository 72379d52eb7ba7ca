"""Load testing: Locust against baseline and candidate side by side, with raw samples.

CLI-process modules (never import Locust): runner, locustfile_gen, config, samples_io, summary,
agreement, capture, shapes, progress, availability, distributed.
Locust-process modules (imported only inside Locust): plugin, wrap, and ai_deploy_ci.load_users.
Entry points: `runner.run_load_test`, `samples_io.read_samples`, `availability.AvailabilityProbe`.
"""
