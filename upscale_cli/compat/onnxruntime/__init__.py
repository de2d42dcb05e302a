"""``--compat onnxruntime``: onnxruntime's plans (:mod:`.planning`) and its arithmetic (:mod:`.arithmetic`)."""

from .planning import plan

__all__ = ["plan"]
