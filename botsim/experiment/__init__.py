"""The experiment layer: replications in deterministic order on any executor (:mod:`.runner`,
:mod:`.executors`), run folders written atomically and resumably (:mod:`.outputs`), sweeps
(:mod:`.sweep`) and the checks made before a study runs (:mod:`.preflight`)."""
