"""Images on disk: decoding and checks (:mod:`.files`), our PNG writer, metadata, sRGB."""
