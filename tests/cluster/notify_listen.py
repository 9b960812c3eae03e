#!/usr/bin/env python3
# A stand-in for systemd's notify socket (test notify-ready): binds a
# datagram socket at PATH and writes each message it gets to OUT as
# "MS PAYLOAD" (PAYLOAD's newlines as '|', MS = CLOCK_REALTIME in ms). Right
# after a READY=1 it runs CMD once and writes "AT_READY <its output>".
# Runs until killed. Usage: notify_listen.py PATH OUT CMD...
# SPDX-License-Identifier: BSD-3-Clause
import os
import socket
import subprocess
import sys
import time

path, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        msg = s.recv(4096).decode(errors="replace")
        f.write("%d %s\n" % (time.time_ns() // 1000000, msg.replace("\n", "|")))
        if "READY=1" in msg.split("\n"):
            r = subprocess.run(cmd, capture_output=True, text=True)
            f.write("AT_READY %s\n" % (r.stdout.strip() or r.stderr.strip()))
