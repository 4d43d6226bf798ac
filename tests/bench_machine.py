"""What the benchmarks record about the machine they ran on."""
import os
import platform


def machine():
    """CPU model, CPU count and kernel release."""
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release()}
