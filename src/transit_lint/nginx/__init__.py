"""nginx front end: configuration trees (with their includes) -> server and upstream resources."""
