# How a value is written in each response format (PROTOCOL.md, "Formats").
#
# json: compact JSON of the value, exactly as decoded from the datagram.
# text: numbers and strings bare (a string without quotes), anything else
#       (true, false, null, arrays, objects) compact JSON. Meant for devices
#       that cannot parse JSON: "42", "21.5", "hello".

import json


def _compact(value):
    try:
        return json.dumps(value, separators=(",", ":"))
    except TypeError:  # MicroPython's json.dumps has no `separators`
        return json.dumps(value)


def as_json(value):
    """
    >>> as_json({"a": [1, 2]})
    '{"a":[1,2]}'
    """
    return _compact(value)


def as_text(value):
    """
    >>> as_text("hello"), as_text(21.5), as_text(True), as_text([1])
    ('hello', '21.5', 'true', '[1]')
    """
    if isinstance(value, str):
        return value
    return _compact(value)
