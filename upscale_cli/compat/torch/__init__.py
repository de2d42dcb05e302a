"""``--compat torch``: PyTorch's plans (:mod:`.planning`) and its uint8 arithmetic (:mod:`.arithmetic`)."""

from .planning import plan

__all__ = ["plan"]
