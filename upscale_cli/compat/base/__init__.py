"""What every library preset shares: the request it answers and the plan it builds (:mod:`.planning`), the
arithmetic they all follow and the strips their own run in (:mod:`.arithmetic`)."""
