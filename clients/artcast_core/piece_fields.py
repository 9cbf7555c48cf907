# Small field checkers for the piece-file validator (piece.py).
#
# Each reads one field of a JSON object, checks it, and returns the value
# (or the default), or raises PieceError naming the field's full path:
#
#   >>> get_int({"pin": "18"}, "pin", "outputs[1].device")
#   Traceback (most recent call last):
#   ...
#   PieceError: outputs[1].device.pin: must be an integer (got "18")
#
# Hand-written rather than a JSON Schema library so it runs unchanged on
# MicroPython and every message says exactly which field to fix.

REQUIRED = object()


class PieceError(ValueError):
    """A piece file (or config.json outputs block) that cannot be used.

    `path` names the field ("outputs[0].mapping.from"), `problem` what is
    wrong with it; str() gives "path: problem".
    """

    def __init__(self, path, problem):
        self.path = path
        self.problem = problem
        self.message = "%s: %s" % (path, problem) if path else problem
        super().__init__(self.message)

    def __str__(self):
        return self.message


def is_number(x):
    # bool is an int subclass on CPython, not on MicroPython: test the type.
    return type(x) is int or type(x) is float


def show(value):
    """A short rendering of a bad value for an error message."""
    if isinstance(value, str):
        text = '"%s"' % value
    elif value is True:
        text = "true"
    elif value is False:
        text = "false"
    elif value is None:
        text = "null"
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = "a list of %d" % len(value)
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def sub(path, name):
    return "%s.%s" % (path, name) if path else name


def need_object(value, path):
    if not isinstance(value, dict):
        raise PieceError(path, "must be an object {...} (got %s)" % show(value))
    return value


def only_fields(obj, path, allowed):
    """Refuse unknown fields (typos!). Names starting with "_" are comments."""
    for name in sorted(obj):
        if name.startswith("_"):
            continue
        if name not in allowed:
            raise PieceError(sub(path, name), "unknown field (allowed here: %s)" % ", ".join(allowed))


def _fetch(obj, name, path, default):
    if name in obj:
        return True, obj[name]
    if default is REQUIRED:
        raise PieceError(sub(path, name), "is required")
    return False, default


def _range(x, lo, hi, where):
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        if lo is not None and hi is not None:
            raise PieceError(where, "must be between %s and %s (got %s)" % (lo, hi, show(x)))
        if lo is not None:
            raise PieceError(where, "must be at least %s (got %s)" % (lo, show(x)))
        raise PieceError(where, "must be at most %s (got %s)" % (hi, show(x)))


def get_int(obj, name, path, lo=None, hi=None, default=REQUIRED):
    present, x = _fetch(obj, name, path, default)
    if not present:
        return x
    if type(x) is not int:
        raise PieceError(sub(path, name), "must be an integer (got %s)" % show(x))
    _range(x, lo, hi, sub(path, name))
    return x


def check_number(x, where, lo=None, hi=None):
    if not is_number(x) or x != x or x in (float("inf"), float("-inf")):
        raise PieceError(where, "must be a number (got %s)" % show(x))
    _range(x, lo, hi, where)
    return x


def get_number(obj, name, path, lo=None, hi=None, default=REQUIRED):
    present, x = _fetch(obj, name, path, default)
    if not present:
        return x
    return check_number(x, sub(path, name), lo, hi)


def get_bool(obj, name, path, default=REQUIRED):
    present, x = _fetch(obj, name, path, default)
    if present and x is not True and x is not False:
        raise PieceError(sub(path, name), "must be true or false (got %s)" % show(x))
    return x


def get_str(obj, name, path, default=REQUIRED, choices=None):
    present, x = _fetch(obj, name, path, default)
    if not present:
        return x
    if not isinstance(x, str):
        raise PieceError(sub(path, name), "must be a string (got %s)" % show(x))
    if choices is not None and x not in choices:
        raise PieceError(sub(path, name), "must be one of %s (got %s)"
                         % (", ".join('"%s"' % c for c in choices), show(x)))
    return x


def get_pair(obj, name, path, lo=None, hi=None, default=REQUIRED, distinct=True, rising=False):
    """A [low, high] list of two numbers, e.g. "from": [-10, 40]."""
    present, x = _fetch(obj, name, path, default)
    if not present:
        return x
    where = sub(path, name)
    if not isinstance(x, list) or len(x) != 2:
        raise PieceError(where, "must be a list of two numbers [low, high] (got %s)" % show(x))
    check_number(x[0], where + "[0]", lo, hi)
    check_number(x[1], where + "[1]", lo, hi)
    if distinct and x[0] == x[1]:
        raise PieceError(where, "the two ends must differ (got %s twice)" % show(x[0]))
    if rising and x[0] > x[1]:
        raise PieceError(where, "must be [low, high] with low < high (got [%s, %s])" % (x[0], x[1]))
    return [x[0], x[1]]
