//! blackstart agents: the five-role response pipeline, redistribution planners and the decision log.
