#!/usr/bin/env python3
"""gen-corpus.py - write the seed corpus of the protocol fuzzer.

One small file per frame type, a multi-frame stream, a stream behind
serial-console noise, a few near-misses and address strings. The files
are committed in tests/fuzz/corpus/proto/; rerun this after a protocol change:
    python3 tests/fuzz/gen-corpus.py tests/fuzz/corpus/proto
"""
import os
import struct
import sys

TYPES = {"HELLO": 1, "EXEC": 2, "STDOUT": 3, "STDERR": 4, "EXIT": 5,
         "ERROR": 6, "KILL": 7, "SHUTDOWN": 8}


def s(text):
    b = text.encode()
    return struct.pack(">I", len(b)) + b


def frame(kind, payload=b"", flags=0):
    return struct.pack(">4sBBHI", b"HVA1", TYPES[kind], flags, 0,
                       len(payload)) + payload


def strv(items):
    return struct.pack(">I", len(items)) + b"".join(s(x) for x in items)


def main(out):
    os.makedirs(out, exist_ok=True)
    hello = frame("HELLO", struct.pack(">I", 1) + s("hpcvirt/0.1.0") +
                  s("host") + s("Linux 6.1 x86_64"))
    exe = frame("EXEC", struct.pack(">I", 5000) +
                strv(["echo-kernel", "a", ""]) + strv(["K=V"]) + s("sub"))
    exit_ = frame("EXIT", struct.pack(">iiBqq", -1, 9, 1, 10**9, 5 * 10**8))
    seeds = {
        "hello": hello,
        "exec": exe,
        "stdout": frame("STDOUT", b"HPCVIRT-RESULT {}\n"),
        "stderr": frame("STDERR", b"oops\n"),
        "exit": exit_,
        "error": frame("ERROR", struct.pack(">I", 1) + s("not a kernel: 'sh'"),
                       flags=1),
        "kill": frame("KILL"),
        "shutdown": frame("SHUTDOWN"),
        "stream": hello + exe + frame("STDOUT", b"x" * 40) + exit_,
        "noise": b"[    0.000000] Linux version 6.1\r\nHPCVIRT-AGENT-READY "
                 b"stdio\n" + hello,
        "bad-magic": b"HVA2" + hello[4:],
        "oversized": struct.pack(">4sBBHI", b"HVA1", 3, 0, 0, 1 << 21),
        "short-string": frame("EXEC", struct.pack(">II", 0, 1) +
                              struct.pack(">I", 1000) + b"abc"),
        "addr-unix": b"unix:/run/hpcvirt/agent.sock",
        "addr-tcp": b"tcp:127.0.0.1:4000",
        "addr-tcp6": b"tcp:[::1]:4000",
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/proto")
