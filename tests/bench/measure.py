"""The measurements: each drives a Crowd against one target, returns figures.

    fanout(target, n, waves)    N waiting, one datum, time until the last has it
    memory(target, n)           server RSS and kernel socket memory with N waiting
    sustained(target, n, secs)  a datum every 10 ms, deliveries/s, missed state

fanout, memory and sustained take keep_alive: clients that keep their
connection between polls (as every Artcast client now does), or that ask
for `Connection: close` and reconnect for each poll (the 2012 way).
    udp_loss(target, ...)       1,000 datums/s over 100 keys, all counted?
    ceiling(target, n, secs)    requests/s against a fixed answer: the generator's own limit
    idle(pids, secs)            context switches of idle servers

Bounded everywhere: counts and seconds are arguments, every wait has a deadline.
"""

import asyncio
import os
import re
import subprocess
import time

from crowd import Crowd, all_waiting, perf, until


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


# --- /proc readings of the server process ---------------------------------

def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def context_switches(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


SKMEM = re.compile(rb"skmem:\(r(\d+),rb\d+,t(\d+),tb\d+,f(\d+),w(\d+),o(\d+),bl(\d+)")


def socket_memory(port):
    """(sockets, bytes) of kernel memory held by the established TCP sockets on
    the server's side of `port` (`ss -tm`: receive queue + forward-allocated +
    send queue + option memory + backlog, per socket). The socket structures
    themselves (slab) are not in it; they cost the same for every server."""
    try:
        out = subprocess.run(["ss", "-tmnH", "state", "established", "( sport = :%d )" % port],
                             capture_output=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    total = count = 0
    for m in SKMEM.finditer(out):
        r, t, f, w, o, bl = (int(x) for x in m.groups())
        total += r + f + w + o + bl
        count += 1
    return count, total


SOCKET_SLABS = ("TCP", "sock_inode_cache", "filp", "dentry", "eventpoll_epi")


def socket_object_bytes():
    """Kernel objects behind one accepted TCP connection watched by epoll (the
    tcp_sock, its inode, file and dentry, the epoll entry), from
    /proc/slabinfo's object sizes: the same for every server, but part of
    what each waiting client costs. None when slabinfo is unreadable."""
    try:
        with open("/proc/slabinfo") as f:
            sizes = {line.split()[0]: int(line.split()[3]) for line in f if line.split()[0] in SOCKET_SLABS}
    except (OSError, IndexError, ValueError):
        return None
    return sum(sizes.values()) if len(sizes) == len(SOCKET_SLABS) else None


def udp_receive_buffer_errors():
    """System-wide UDP RcvbufErrors (/proc/net/snmp): datagrams the kernel dropped."""
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    names, values = lines[0], lines[1]
    return int(values[names.index("RcvbufErrors")])


# --- measurements -----------------------------------------------------------

async def fanout(target, n, waves, key="bench/k", wave_timeout=None, keep_alive=False):
    """N clients wait on one key; one datum; time until the last has it.

    Pure fan-out: answered clients reconnect when the wave is complete (or
    timed out), so the figure is the server's fan-out and not its race with
    the reconnect burst; that burst is timed on its own (until all N wait
    again), which is where a small listen backlog shows.
    """
    wave_timeout = wave_timeout or 3.0 + n / 1000.0
    crowd = Crowd(target, n, (key,), keep_alive=keep_alive)
    crowd.start()
    completions, latencies, rewaits, lost = [], [], [], 0
    ready = await all_waiting(crowd, n, 10.0 + n / 500.0)
    cpu_before, delivered_before = cpu_seconds(target.server_pid()), crowd.deliveries
    for wave in range(1, waves + 1 if ready else 1):
        value = int(time.time() * 1000) % 1000000000 * 100 + wave
        crowd.hold_reconnects = True
        crowd.arm(value)
        target.publish(key, value)
        if await until(lambda: len(crowd.times) >= n, wave_timeout):
            completions.append(max(crowd.times))
        else:
            lost += 1
        latencies.extend(crowd.times)
        start = perf()
        crowd.release()
        if await all_waiting(crowd, n, 10.0):
            rewaits.append(perf() - start)
        else:
            lost += 1
    if not ready:
        lost = waves
    await asyncio.sleep(0.05)
    delivered = crowd.deliveries - delivered_before
    cpu = cpu_seconds(target.server_pid()) - cpu_before
    crowd.stop()
    await asyncio.sleep(0.05)
    return {"clients": n, "waves": waves, "lost": lost, "ready": ready,
            "p50": percentile(completions, 50), "p99": percentile(completions, 99),
            "client_p50": percentile(latencies, 50),
            "rewait_p50": percentile(rewaits, 50), "rewait_p99": percentile(rewaits, 99),
            "cpu_per_delivery": cpu / delivered if delivered else None,
            "connect_errors": crowd.connect_errors, "keep_alive": keep_alive,
            "connections": sum(c.connections for c in crowd.clients), "deliveries": delivered}


async def memory(target, n, key="bench/mem", rss_idle=None, keep_alive=False):
    """(RSS with N waiting - RSS idle) / N and the kernel's socket memory
    for them, then one datum frees them all."""
    pid = target.server_pid()
    rss_idle = rss_idle or rss_bytes(pid)
    crowd = Crowd(target, n, (key,), keep_alive=keep_alive)
    crowd.start()
    ok = await all_waiting(crowd, n, 20.0 + n / 500.0)
    await asyncio.sleep(0.3)
    loaded = rss_bytes(pid)
    held = target.waiting(key)
    sockets, kernel = socket_memory(target.port)
    crowd.arm(1)
    target.publish(key, 1)
    released = await until(lambda: len(crowd.times) >= n, 10.0)
    crowd.stop()
    await asyncio.sleep(0.2)
    return {"clients": n, "all_waiting": ok, "held": held, "released": released, "rss_idle": rss_idle,
            "rss_loaded": loaded, "per_client": (loaded - rss_idle) / float(max(1, min(n, held))),
            "sockets": sockets, "kernel_buffers": kernel, "socket_objects": socket_object_bytes(),
            "kernel_per_client": (kernel / float(sockets) + (socket_object_bytes() or 0)) if sockets else None}


async def sustained(target, n, seconds, interval=0.01, key="bench/sus", keep_alive=False):
    """A datum every `interval` s while N clients re-poll with their ETag."""
    crowd = Crowd(target, n, (key,), keep_alive=keep_alive)
    crowd.start()
    await all_waiting(crowd, n, 10.0 + n / 500.0)
    pid = target.server_pid()
    cpu_before, before, start = cpu_seconds(pid), crowd.deliveries, perf()
    sent = last = 0
    base = int(time.time()) % 100000 * 100000
    while perf() - start < seconds:
        sent += 1
        last = base + sent
        target.publish(key, last)
        next_at = start + sent * interval
        await asyncio.sleep(max(0.0, next_at - perf()))
    elapsed = perf() - start
    delivered = crowd.deliveries - before
    cpu = cpu_seconds(pid) - cpu_before
    await until(lambda: all(c.value == last for c in crowd.clients), 5.0, 0.01)
    missed = sum(1 for c in crowd.clients if c.value != last)
    crowd.stop()
    await asyncio.sleep(0.1)
    return {"clients": n, "datums": sent, "per_second": delivered / elapsed, "missed": missed,
            "cpu_per_delivery": cpu / delivered if delivered else None, "keep_alive": keep_alive,
            "connections": sum(c.connections for c in crowd.clients), "errors": crowd.errors}


async def udp_loss(target, clients=1000, keys=100, rate=1000, seconds=3.0):
    """`rate` datums/s over `keys` keys while `clients` wait on them: any lost?"""
    names = ["bench/udp/%d" % i for i in range(keys)]
    crowd = Crowd(target, clients, names)
    crowd.start()
    await all_waiting(crowd, clients, 10.0 + clients / 500.0)
    before, kernel_before = target.datums(), udp_receive_buffer_errors()
    start, sent, batch = perf(), 0, max(1, rate // 100)     # a batch every 10 ms
    while perf() - start < seconds:
        for _ in range(batch):
            target.publish(names[sent % keys], sent)
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / float(rate) - perf()))
    await asyncio.sleep(0.5)
    received = target.datums() - before
    crowd.stop()
    await asyncio.sleep(0.1)
    return {"sent": sent, "received": received, "lost": sent - received,
            "kernel_drops": udp_receive_buffer_errors() - kernel_before,
            "deliveries": crowd.deliveries}


async def ceiling(target, n, seconds, key="bench/k", keep_alive=False):
    """Requests/s the generator completes against an answer given at once."""
    crowd = Crowd(target, n, (key,), keep_alive=keep_alive)
    crowd.start()
    await asyncio.sleep(0.5)
    before, start = crowd.deliveries, perf()
    await asyncio.sleep(seconds)
    rate = (crowd.deliveries - before) / (perf() - start)
    crowd.stop()
    await asyncio.sleep(0.1)
    return {"clients": n, "per_second": rate, "keep_alive": keep_alive}


async def idle(pids, seconds):
    """Context switches per minute of each idle server process."""
    before = {name: context_switches(pid) for name, pid in pids.items()}
    await asyncio.sleep(seconds)
    return {name: (context_switches(pid) - before[name]) * 60.0 / seconds for name, pid in pids.items()}
