#!/usr/bin/env python3
"""Helpers the shell pipeline calls where openssl/xxd have no equivalent (as users call AtPKI.py):
`esp_tools.py atpki TYPE FILE OUT` writes a one-item ESP-AT PKI bin; `esp_tools.py qfupl FILE` prints the
Quectel +QFUPL XOR-16 checksum. Written from the format description in docs/, for benchmarking only."""
import struct
import sys


def atpki(kind: int, data: bytes) -> bytes:
    item = struct.pack("<BBH", kind, 0, len(data)) + data
    item += b"\xff" * (-len(item) % 4)
    return b"\xf1\xf1" + struct.pack("<HI", 1, len(item)) + item


def qfupl(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    x = 0
    for i in range(0, len(data), 2):
        x ^= (data[i] << 8) | data[i + 1]
    return x


if __name__ == "__main__":
    if sys.argv[1] == "atpki":
        with open(sys.argv[4], "wb") as f:
            f.write(atpki(int(sys.argv[2]), open(sys.argv[3], "rb").read()))
    else:
        print(format(qfupl(open(sys.argv[2], "rb").read()), "x"))
