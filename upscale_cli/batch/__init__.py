"""Files in, files out: one conversion (:mod:`.convert`, :mod:`.nn_convert`), many (:mod:`.jobs`), progress."""
