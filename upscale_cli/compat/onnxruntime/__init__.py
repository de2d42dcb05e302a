"""``--compat onnxruntime``: onnxruntime's plans (:mod:`.planning`) and its arithmetic (:mod:`.arithmetic`)."""

from .planning import integer_kernel_of, plan

__all__ = ["integer_kernel_of", "plan"]
