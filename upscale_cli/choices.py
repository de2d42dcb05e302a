"""The names users choose from, kept free of heavy imports so ``--help`` is fast."""

ALIGNS = ("half-pixel", "asymmetric", "align-corners", "pytorch-half-pixel", "tf-half-pixel-for-nn")
ROUNDINGS = ("round", "half-down", "half-even", "floor", "ceil")
KERNEL_MODES = ("linear", "bilinear", "trilinear", "bicubic", "lanczos", "box", "hamming")
MODES = ("nearest", "nearest-exact", *KERNEL_MODES, "area")
FITS = ("stretch", "contain", "cover")
