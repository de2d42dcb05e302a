"""The mathematics: sizes, coordinate mappings, kernels, weight tables and resize plans.

Nothing here reads or writes files or knows a library by name; every module
imports only from this package.
"""
