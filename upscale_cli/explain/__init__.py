"""Show how pixels were made: traces from the plan (:mod:`.trace`), Rich tables, pictures, the demo."""
