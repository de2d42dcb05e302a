"""The presets against the live libraries on random seeded calls (``differential.py``), when they are installed.

A few thousand calls per library (``differential.COUNTS``), in chunks that
the workers share: integers must be identical, floats within the tolerance
``docs/compat.md`` states, and a call the library refuses is refused by the
preset too, except where the preset is deliberately wider (float tensors
that onnxruntime's kernels refuse, as 3-D cubic, are resized as the ONNX
standard defines them). ``python tests/compat/differential.py LIBRARY``
prints the same measurement.
"""

from __future__ import annotations

import importlib.util

import pytest
from differential import CHUNK, COUNTS, LIBRARIES, MODULES, jobs, run_job

#: Where the preset accepts calls its library refuses, by design.
WIDER = {"onnxruntime": "float"}


def _installed(library: str) -> bool:
    try:
        return importlib.util.find_spec(MODULES[library]) is not None
    except ModuleNotFoundError:  # onnx.reference without onnx
        return False


CHUNKS = [(library, seed) for library in LIBRARIES for seed in range(COUNTS[library] // CHUNK)]


@pytest.mark.parametrize("library, seed", CHUNKS, ids=[f"{library}-{seed}" for library, seed in CHUNKS])
def test_preset_matches_the_library(library, seed):
    if not _installed(library):
        pytest.skip(f"{MODULES[library]} is not installed")
    outcomes = [run_job(job) for job in jobs(library, CHUNK, seed)]
    compared = [o for o in outcomes if not o.note]
    wrong = [o for o in outcomes if o.mismatches]
    assert not wrong, "\n".join(f"{o.mismatches}/{o.samples} differ (worst {o.worst:g}) {o.note} {o.job.describe()}"
                                for o in wrong[:5])
    wider = [o for o in outcomes if "preset accepts" in o.note
             and not (WIDER.get(library) == "float" and o.job.x.dtype.kind == "f")]
    assert not wider, "\n".join(f"{o.note}: {o.job.describe()}" for o in wider[:5])
    assert len(compared) >= 0.6 * CHUNK  # most calls are ones the library takes (onnxruntime refuses a quarter)


def test_the_generator_is_seeded():
    first, again = jobs("opencv", 5, 3), jobs("opencv", 5, 3)
    assert [j.params for j in first] == [j.params for j in again]
    assert all((a.x == b.x).all() for a, b in zip(first, again))
