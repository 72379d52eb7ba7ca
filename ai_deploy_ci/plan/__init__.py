"""Pure planning: spec + observed cluster state → Plan (data). No I/O, no `kubernetes` import."""
