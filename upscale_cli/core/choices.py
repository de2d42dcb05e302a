"""The names users choose from, kept free of heavy imports so ``--help`` is fast."""

ALIGNS = (
    "half-pixel", "asymmetric", "align-corners", "pytorch-half-pixel", "tf-half-pixel-for-nn",
    "half-pixel-symmetric", "tf-crop-and-resize",
)
ROUNDINGS = ("round", "half-down", "half-even", "floor", "ceil")
KERNEL_MODES = ("linear", "bilinear", "trilinear", "bicubic", "lanczos", "box", "hamming")
MODES = ("nearest", "nearest-exact", *KERNEL_MODES, "area")
FITS = ("stretch", "contain", "cover")
NN_MODES = ("unpool", "pixel-shuffle", "pixel-unshuffle", "deconv")
#: Where bed-of-nails unpooling (``--mode unpool`` without indices) puts each value in its block.
UNPOOL_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
#: Request field → command-line option of the NN modes.
NN_OPTION_FLAGS = {
    "scale": "--scale", "size": "--size", "indices": "--indices", "kernel_size": "--kernel-size",
    "stride": "--stride", "padding": "--padding", "position": "--unpool-position", "kernel": "--kernel",
    "bias": "--bias", "output_padding": "--output-padding", "dilation": "--dilation", "groups": "--groups",
}
#: Learned upscalers (trained networks run on the luminance) and the integer scales they are trained for.
LEARNED_MODES = ("espcn", "fsrcnn")
LEARNED_SCALES = (2, 3, 4)
COMPATS = ("torch", "opencv", "pillow", "onnx", "onnxruntime")
#: ``--explain-format`` renderings.
EXPLAIN_FORMATS = ("text", "json")
