# A tiny test runner for the MicroPython unix port (no pytest there).
#
# Usage: micropython mp_runner.py MODULE [MODULE...]
# Imports each module, calls every top-level function whose name starts with
# "test_", prints one line per test and "N passed, M failed"; exit status 1
# when anything failed. MICROPYPATH must include the module's directory and
# the packages it imports.

import sys


def run(module_names):
    passed = 0
    failed = 0
    for name in module_names:
        module = __import__(name)
        for attr in sorted(dir(module)):
            if not attr.startswith("test_"):
                continue
            fn = getattr(module, attr)
            try:
                fn()
            except Exception as e:
                failed += 1
                print("FAIL %s.%s: %s %s" % (name, attr, type(e).__name__, e))
            else:
                passed += 1
                print("ok   %s.%s" % (name, attr))
    print("%d passed, %d failed" % (passed, failed))
    return failed


if __name__ == "__main__":
    sys.exit(1 if run(sys.argv[1:]) else 0)
