"""Command-line value parsers shared by the bridges."""

import argparse


def host_port(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError("%r is not HOST:PORT" % text)
    return host, int(port)
