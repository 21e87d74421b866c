#!/usr/bin/env python3
"""Write an LVM2 physical-volume label (sector 1) onto FILE, as pvcreate
would, so tests can check that stardm init refuses to overwrite it."""
import struct
import sys


def lvm_crc(data, crc=0xF597A6CF):
    # LVM's label crc: reflected CRC-32 (0xEDB88320), seeded, no final xor
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc


sector = bytearray(512)
sector[0:8] = b"LABELONE"
struct.pack_into("<Q", sector, 8, 1)      # sector_xl
struct.pack_into("<I", sector, 20, 32)    # offset_xl: pv header at byte 32
sector[24:32] = b"LVM2 001"
sector[32:64] = b"abcdefghijklmnopqrstuvwxyzABCDEF"  # pv uuid
struct.pack_into("<Q", sector, 64, 1 << 30)         # device size
struct.pack_into("<I", sector, 16, lvm_crc(sector[20:]))
with open(sys.argv[1], "r+b") as f:
    f.seek(512)
    f.write(sector)
