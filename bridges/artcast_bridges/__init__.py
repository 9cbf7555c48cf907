"""Bridges between Artcast and the tools studios already use.

    artcast record KEYS... -o show.jsonl    capture datums from the multicast group
    artcast replay show.jsonl               send them again, with their timing
    artcast bridge osc                      OSC in and out (TouchDesigner, Max, QLC+)
    artcast bridge mqtt --broker HOST       MQTT and Home Assistant

Each is a small module on a well-kept library (python-osc, paho-mqtt); they
hear datums straight from the multicast group (listen.py) and send them as
a source does (artcast_source). Install with `pip install 'artcast[bridges]'`.
"""
