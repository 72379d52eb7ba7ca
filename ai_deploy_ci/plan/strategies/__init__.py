"""One module per `strategy.type`, each with `plan(spec, state) -> Plan`."""
