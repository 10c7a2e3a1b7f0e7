"""Effects as data: IOPlan (sync) and AsyncPlan (async)."""
