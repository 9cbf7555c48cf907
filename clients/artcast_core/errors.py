# Errors say whose fault they are.
#
# WireError: bad input that came from the network (a datagram, an HTTP
# response, a request). The receiver counts it by `reason` and carries on.
# Misuse by the caller (a bad argument in our own code) raises the usual
# ValueError / TypeError instead.


class WireError(ValueError):
    """Input from the network broke the protocol.

    `reason` is a short, stable, machine-friendly word (used as a counter
    name in the server's /status); the message says what was wrong.

    >>> try:
    ...     raise WireError("not-json", "payload is not JSON")
    ... except WireError as e:
    ...     e.reason
    'not-json'
    """

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self):
        return self.message
