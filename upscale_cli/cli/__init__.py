"""The ``upscale`` command: a thin Click layer over the library (:mod:`.main`)."""
