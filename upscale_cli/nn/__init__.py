"""Neural-network upsampling operators in NumPy, equal to their PyTorch namesakes.

Arrays are channels first with a batch axis, ``(N, C, *spatial)`` with one,
two or three spatial axes (layouts ``ncl``, ``nchw``, ``ncdhw``), as in
``torch.nn.functional``. Per-axis parameters (``kernel_size``, ``stride`` ...)
are an int for every axis or a tuple in array order (depth, height, width),
also as in PyTorch. See docs/definition.md §7 for the formulas.

- :func:`max_pool_with_indices` / :func:`max_unpool`: ``max_poolNd(...,
  return_indices=True)`` and ``max_unpoolNd``.
- :func:`bed_of_nails`: unpooling without indices, each value at a fixed
  place in its block.
- :func:`pixel_shuffle` / :func:`pixel_unshuffle`.
- :func:`conv_transpose`: ``conv_transpose1d/2d/3d``; :func:`bilinear_kernel`
  and :func:`bilinear_deconv` for the fixed bilinear kernel of fully
  convolutional networks (FCN).
- :func:`conv2d`: ``conv2d`` (stride 1); :func:`conv2d_in_order` and
  :func:`conv_transpose2d_in_order`, the same sums in one fixed order.
- The learned upscalers (ESPCN, FSRCNN) built from these: :mod:`.models`
  (the shipped weights) and :mod:`.learned` (tiled, certified inference).
"""

from .arguments import per_axis
from .conv import conv2d, conv2d_in_order
from .deconv import (
    bilinear_deconv,
    bilinear_deconv_arguments,
    bilinear_kernel,
    bilinear_padding,
    bilinear_taps,
    conv_transpose,
    conv_transpose2d_in_order,
    conv_transpose_size,
    tap_range,
)
from .pooling import bed_of_nails, max_pool_with_indices, max_unpool, nail_offsets, unpool_output_size
from .shuffle import pixel_shuffle, pixel_unshuffle

__all__ = [
    "per_axis", "max_pool_with_indices", "max_unpool", "unpool_output_size", "bed_of_nails", "nail_offsets",
    "pixel_shuffle", "pixel_unshuffle", "conv_transpose", "conv_transpose_size", "tap_range", "bilinear_taps",
    "bilinear_padding", "bilinear_kernel", "bilinear_deconv_arguments", "bilinear_deconv", "conv2d", "conv2d_in_order",
    "conv_transpose2d_in_order",
]
