"""The test guest's control agent: PID 1 of the guest (see tests/guest/init).

Runs from the host's root (9p) with Debian's python3. PID 1 only reaps
orphans and powers the guest off when the serving child exits; the child
serves the virtio-serial port named xs.agent: one JSON object per line each
way, each request handled in its own thread, answered with the same "id":

    {"id": 1, "op": "ping"}                       -> {"id": 1, "release": "6.1..."}
    {"id": 2, "op": "run", "argv": [...], "timeout": 30, "input": B64}
                                                  -> {"id": 2, "rc": 0, "out": B64,
                                                      "err": B64, "timedout": false}
    {"id": 3, "op": "write", "path": P, "data": B64, "mode": 420} -> {"id": 3}
    {"id": 4, "op": "poweroff"}                   -> (the guest powers off)

A failed request answers {"id": N, "error": "..."}.
"""
import base64
import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time

PORT_NAME = "xs.agent"
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "LANG": "C.UTF-8", "HOME": "/root", "TERM": "dumb"}


def poweroff():
    with open("/proc/sysrq-trigger", "w") as f:
        f.write("o")


def reap_forever(child):
    """PID 1: collect every exited process; power off when child ends."""
    while True:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            pid = child
        if pid == child:
            poweroff()
            time.sleep(10)


def find_port():
    for path in glob.glob("/sys/class/virtio-ports/*/name"):
        with open(path) as f:
            if f.read().strip() == PORT_NAME:
                return "/dev/" + os.path.basename(os.path.dirname(path))
    return None


def b64(data):
    return base64.b64encode(data or b"").decode()


def op_run(req):
    proc = subprocess.Popen(req["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, cwd="/",
                            start_new_session=True)
    data = base64.b64decode(req.get("input") or "")
    timedout = False
    try:
        out, err = proc.communicate(data, timeout=req.get("timeout", 30))
    except subprocess.TimeoutExpired:
        timedout = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return {"rc": proc.returncode, "out": b64(out), "err": b64(err), "timedout": timedout}


def op_write(req):
    path = req["path"]
    os.makedirs(os.path.dirname(path) or "/", exist_ok=True)
    with open(path, "wb") as f:
        f.write(base64.b64decode(req["data"]))
    os.chmod(path, req.get("mode", 0o644))
    return {}


def op_ping(req):
    return {"release": os.uname().release}


OPS = {"run": op_run, "write": op_write, "ping": op_ping}


class Server:
    def __init__(self, fd):
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, obj):
        data = (json.dumps(obj) + "\n").encode()
        with self.lock:
            while data:
                data = data[os.write(self.fd, data):]

    def handle(self, line):
        req = {}
        try:
            req = json.loads(line)
            if req.get("op") == "poweroff":
                poweroff()
            reply = OPS[req["op"]](req)
        except Exception as e:  # the host sees every failure, the agent lives on
            reply = {"error": f"{type(e).__name__}: {e}"}
        reply["id"] = req.get("id")
        self.send(reply)

    def serve(self):
        buf = b""
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:           # no host connected yet (or it went away)
                time.sleep(0.05)
                continue
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                threading.Thread(target=self.handle, args=(line,), daemon=True).start()


def serve():
    subprocess.run(["ip", "link", "set", "lo", "up"], env=ENV)
    deadline = time.monotonic() + 30
    while not find_port():
        if time.monotonic() > deadline:
            sys.exit("agent: no virtio port " + PORT_NAME)
        time.sleep(0.02)
    Server(os.open(find_port(), os.O_RDWR)).serve()


def main():
    if os.getpid() != 1:
        serve()
        return
    child = os.fork()
    if child == 0:
        serve()
        os._exit(0)
    reap_forever(child)


if __name__ == "__main__":
    main()
