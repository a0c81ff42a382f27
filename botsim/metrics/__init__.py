"""The metrics layer: per-replication metrics from the event records and the month-end KPI rows
(:mod:`.replication`), the readiness and transfer summaries (:mod:`.readiness`), the cost ledger
(:mod:`.costs`) and the metric catalogue that declares every output column (:mod:`.catalogue`)."""
