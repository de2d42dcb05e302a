"""Apply a resize plan to an array (:mod:`.apply`) on a shared thread pool (:mod:`.workers`).

The engine multiplies and adds what the plan says; a plan that needs
another arithmetic carries it (``ResizePlan.arithmetic``), so the engine
never knows a library by name.
"""
