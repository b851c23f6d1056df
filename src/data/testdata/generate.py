"""Regenerates the NumPy-written fixtures used by src/data/*.test.ts.

Run with a Python that has numpy (e.g. /usr/bin/python3 src/data/testdata/generate.py).
The tests themselves only read the committed files; they never need Python.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def all_dtypes():
    return {
        "f32": np.array([[-1.5, 0.0, 2.25], [3.0, -0.0, 1e-30]], dtype="<f4"),
        "f64": np.array([1e-300, -2.5, 3.0], dtype="<f8"),
        "f64_scalar": np.array(7.25, dtype="<f8"),
        "i64": np.array([-(2**62), 0, 2**62 + 1], dtype="<i8"),
        "i32": np.array([-(2**31), 0, 2**31 - 1], dtype="<i4"),
        "u8": np.arange(0, 256, 51, dtype="u1").reshape(2, 3),
        "i8": np.array([-128, 0, 127], dtype="i1"),
        "b": np.array([True, False, True, True]),
        "f16": np.array([0.5, -65504.0, 2.0**-24, np.inf], dtype="<f2"),
        "empty": np.zeros((2, 0, 3), dtype="<f4"),
    }


def main():
    np.save(path("f32_2x3.npy"), np.arange(6, dtype="<f4").reshape(2, 3) / 4)
    np.savez(path("all_dtypes.npz"), **all_dtypes())
    np.savez_compressed(path("all_dtypes_compressed.npz"), **all_dtypes())

    for version in [(2, 0), (3, 0)]:
        with open(path("i32_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, np.arange(5, dtype="<i4") - 2, version=version)

    # Inputs Gauntlet must reject.
    np.save(path("fortran.npy"), np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(path("bigendian.npy"), np.arange(3, dtype=">f4"))
    np.save(path("object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(path("structured.npy"), np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    np.save(path("unicode.npy"), np.array(["ab", "c"]))

    # Evaluation sets.
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, size=(4, 1, 2, 2)).astype("<f4")
    np.savez_compressed(
        path("evalset.npz"),
        x=x,
        y=np.array([3, 0, 9, 1], dtype="<i8"),
        lower=np.array(0.0, dtype="<f4"),
        upper=np.array([1.0, 0.95, 0.95, 1.0], dtype="<f4").reshape(4, 1, 1, 1),
        target=np.array([1, 1, 2, 2], dtype="<i8"),
    )
    np.savez(
        path("evalset_f64_i32.npz"),
        x=rng.uniform(0.0, 1.0, size=(3, 2)),
        y=np.array([1, 0, 1], dtype="<i4"),
    )


if __name__ == "__main__":
    main()
