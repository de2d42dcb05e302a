"""placeholder"""
from .base import Request


def plan(request: Request):
    raise NotImplementedError
