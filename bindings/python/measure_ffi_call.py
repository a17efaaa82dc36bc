"""Measures the cost of one trivial call through the generated Python bindings.

    PYTHONPATH=bindings/python/src python3 bindings/python/measure_ffi_call.py

It times `library_version()` (one call into the native library and one string back) against a
pure-Python function returning a constant string, in the same run, and prints both and their
difference. Figures vary with the machine; the README records the last measured one.
"""

import timeit

import outpost_wallet as ow


def python_version():
    return "0.1.0"


def per_call_ns(function, number):
    best = min(timeit.repeat(function, number=number, repeat=5))
    return best / number * 1e9


def main():
    assert ow.library_version() == python_version()
    number = 200_000
    ffi = per_call_ns(ow.library_version, number)
    plain = per_call_ns(python_version, number)
    print(f"library_version() through the FFI: {ffi:8.0f} ns/call")
    print(f"a pure-Python function:            {plain:8.0f} ns/call")
    print(f"FFI overhead:                      {ffi - plain:8.0f} ns/call")


if __name__ == "__main__":
    main()
