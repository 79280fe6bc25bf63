#!/usr/bin/env python3
"""Checks that PNG screenshots show content: decodes each (stdlib only) and fails when
an image is blank — a single colour, or nearly so.

Usage: png_check.py FILE.png [FILE.png ...]
"""
import struct
import sys
import zlib


def decode(path):
    """(width, height, channels, rows) of an 8-bit RGB/RGBA/grey PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace:
                raise ValueError(f"unsupported PNG (depth {depth}, interlace {interlace})")
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def check(path):
    width, height, channels, rows = decode(path)
    colours = set()
    lum = []
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            px = tuple(row[x * channels : x * channels + min(channels, 3)])
            colours.add(px)
            lum.append(sum(px) / len(px))
    mean = sum(lum) / len(lum)
    spread = (sum((v - mean) ** 2 for v in lum) / len(lum)) ** 0.5
    ok = len(colours) >= 20 and spread >= 4.0
    print(
        f"{'ok   ' if ok else 'BLANK'} {path}: {width}x{height}, {len(colours)} colours, "
        f"luminance spread {spread:.1f}"
    )
    return ok


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: png_check.py FILE.png ...")
    results = [check(p) for p in sys.argv[1:]]
    sys.exit(0 if all(results) else 1)
