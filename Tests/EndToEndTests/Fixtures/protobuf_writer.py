"""The two pieces of protobuf's wire format the OTLP probes and senders write by hand
(no protobuf package: the fixtures run with the system python3). Shared by
otlp_probe.py and scripts/bench-src/otlp_sender.py."""


def varint(n):
    """n as a base-128 varint, low group first."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    """A length-delimited field (wire type 2): tag, length, bytes."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload
