"""The sRGB transfer functions (IEC 61966-2-1), exactly as specified, piecewise.

Resizing averages light. Stored sRGB values are not proportional to light, so
averaging them darkens fine bright detail (a black and white checkerboard
becomes 0.5 = 188/255 in linear light but 128/255 in stored values). Decoding
to linear light, resizing, and encoding back is the gamma-correct choice.
"""

from __future__ import annotations

import numpy as np

#: Where the linear segment of the encoded (stored) curve ends.
ENCODED_KNEE = 0.04045
#: Where it ends in linear light (``ENCODED_KNEE / 12.92``, rounded as in the standard).
LINEAR_KNEE = 0.0031308


def to_linear(encoded: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] to linear light in [0, 1] (float64).

    ``v / 12.92`` for ``v ≤ 0.04045``, else ``((v + 0.055) / 1.055) ** 2.4``.
    """
    encoded = np.asarray(encoded, dtype=np.float64)
    return np.where(encoded <= ENCODED_KNEE, encoded / 12.92, ((np.maximum(encoded, ENCODED_KNEE) + 0.055) / 1.055) ** 2.4)


def from_linear(linear: np.ndarray) -> np.ndarray:
    """Encode linear light in [0, 1] to sRGB values in [0, 1] (float64).

    ``12.92 · l`` for ``l ≤ 0.0031308``, else ``1.055 · l ** (1/2.4) − 0.055``.
    Values outside [0, 1] (filter overshoot) are clipped first.
    """
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(linear <= LINEAR_KNEE, linear * 12.92, 1.055 * np.maximum(linear, LINEAR_KNEE) ** (1 / 2.4) - 0.055)
