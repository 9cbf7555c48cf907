"""The benchmark's figures as a Markdown table, and the targets of issues 6 and 14 checked.

`render(results)` takes what run.py measured (also saved with --json) and
returns the text run.py prints:

    python3 -c "import json, report; print(report.render(json.load(open('bench.json'))))"
"""

ORDER = ("artcast-before", "artcast", "artcast-asyncio-before", "artcast-asyncio", "naive", "nchan")


def ms(seconds):
    return "—" if seconds is None else ("%.1f" % (seconds * 1000) if seconds < 0.1 else "%.0f" % (seconds * 1000))


def ratio(a, b):
    if a is None or b is None or not b:
        return "—"
    return "%.2f" % (a / b)


def main_name(results):
    """The column the targets are judged on: artcast (uvloop), else plain asyncio."""
    for name in ("artcast", "artcast-asyncio"):
        if name in results["targets"]:
            return name
    return None


def rows(results):
    t = results["targets"]
    names = [n for n in ORDER if n in t]
    plan = results["plan"]
    out = []

    def row(label, fn, num=None, ours=None, base=None):
        cells = [label]
        values = {}
        for name in names:
            try:
                value, text = fn(t[name])
            except (KeyError, TypeError):
                value, text = None, "—"
            values[name] = value
            cells.append(text)
        main = main_name(results)
        cells.append(ratio(values.get(main), values.get("nchan")) if ours else "")
        naive_lost_all = values.get("naive") is None and "waves lost" in cells[1 + names.index("naive")] \
            if "naive" in names else False
        cells.append(("no naive wave completed" if naive_lost_all else ratio(values.get("naive"), values.get(main)))
                     if base else "")
        out.append(cells)

    for n in plan["clients"]:
        key = "fanout_%d" % n

        def fan(r, key=key):
            f = r[key]
            lost = " (%d of %d waves lost)" % (f["lost"], f["waves"]) if f["lost"] else ""
            return f["p99"], "%s / %s%s" % (ms(f["p50"]), ms(f["p99"]), lost)
        row("fan-out to %s clients: p50 / p99 ms until the last has it" % format(n, ","), fan, ours=True, base=True)

        def rewait(r, key=key):
            f = r[key]
            return f["rewait_p99"], "%s / %s" % (ms(f["rewait_p50"]), ms(f["rewait_p99"]))
        row("… then all %s re-polled and held again: p50 / p99 ms" % format(n, ","), rewait, ours=True, base=True)
    for n in plan["clients"]:
        key = "fanout_%d" % n
        row("server CPU per delivery incl. re-request, fan-out to %s (µs)" % format(n, ","),
            lambda r, key=key: (r[key]["cpu_per_delivery"], "%.0f" % (r[key]["cpu_per_delivery"] * 1e6)),
            ours=True, base=True)
    if plan.get("memory"):
        def memory(r):
            m = r["memory"]
            short = "" if m["all_waiting"] else " (only %s held)" % format(m["held"], ",")
            return m["per_client"], "%.1f%s" % (m["per_client"] / 1024.0, short)
        row("RSS per waiting client, %s waiting (KB)" % format(plan["memory"], ","), memory, ours=True, base=True)
        row("kernel per waiting client: socket buffers (`ss -tm`) + socket objects (slabinfo) (KB)",
            lambda r: (r["memory"]["kernel_per_client"], "%.1f" % (r["memory"]["kernel_per_client"] / 1024.0)),
            ours=True, base=True)
        row("RSS + kernel per waiting client (KB)",
            lambda r: (r["memory"]["per_client"] + r["memory"]["kernel_per_client"],
                       "%.1f" % ((r["memory"]["per_client"] + r["memory"]["kernel_per_client"]) / 1024.0)),
            ours=True, base=True)
        row("RSS idle (MB)", lambda r: (r["rss_idle"], "%.1f" % (r["rss_idle"] / 1048576.0)), ours=True, base=True)
    n, secs = plan["sustained"]
    for key, how in (("sustained_keep_alive", "keep-alive"), ("sustained", "Connection: close")):
        if key == "sustained" and not plan.get("udp"):
            continue
        row("sustained, %s clients (%s), datum every 10 ms: deliveries/s" % (format(n, ","), how),
            lambda r, key=key: (r[key]["per_second"], "%.0f" % r[key]["per_second"]), ours=True)
        row("… server CPU per delivery (µs)",
            lambda r, key=key: (r[key]["cpu_per_delivery"], "%.0f" % (r[key]["cpu_per_delivery"] * 1e6)),
            ours=True, base=True)
        row("… clients whose last value is not the last sent",
            lambda r, key=key: (r[key]["missed"], "%d" % r[key]["missed"]))
        if key == "sustained_keep_alive":
            row("… values per TCP connection",
                lambda r: (r[key]["datums"], "%.0f" % (r[key]["per_second"] * secs / max(1, r[key]["connections"]))))
    if plan.get("udp"):
        clients, keys, rate, secs = plan["udp"]
        row("datums lost at %d/s over %d keys, %s waiting (of sent)" % (rate, keys, format(clients, ",")),
            lambda r: (r["udp"]["lost"], "%d of %d" % (r["udp"]["lost"], r["udp"]["sent"])))
    row("idle: context switches per minute",
        lambda r: (r["idle_switches_per_min"], "%.1f" % r["idle_switches_per_min"]))
    row("start-up to first answered request (s)", lambda r: (r["startup"], "%.2f" % r["startup"]))
    return names, out


def render(results):
    names, body = rows(results)
    main = main_name(results) or "artcast"
    lines = ["| figure | %s | %s÷nchan | naive÷%s |" % (" | ".join(names), main, main),
             "|---|" + "---|" * (len(names) + 2)]
    for cells in body:
        lines.append("| " + " | ".join(cells) + " |")
    setup = results.get("setup", {})
    notes = []
    for name, why in sorted(results.get("missing", {}).items()):
        notes.append("%s: not measured (%s)" % (name, why))
    ceiling = results.get("ceiling")
    if ceiling:
        notes.append("load generator ceiling: %.0f requests/s with %d clients against a fixed answer "
                     "(nginx), i.e. %.0f µs of generator time per response"
                     % (ceiling["per_second"], ceiling["clients"], 1e6 / ceiling["per_second"]))
        kept = results.get("ceiling_keep_alive")
        if kept:
            notes.append("… with keep-alive clients: %.0f requests/s, %.0f µs per response"
                         % (kept["per_second"], 1e6 / kept["per_second"]))
    elif results["plan"].get("ceiling") is None:
        notes.append("load generator ceiling: not measured in this mode")
    else:
        notes.append("load generator ceiling: not measured (no nginx)")
    notes.append("setup: %s CPUs, servers on core %s, generator on core %s (%s), somaxconn %s, fd limit %s"
                 % (setup.get("cpus"), setup.get("server_cpu"), setup.get("generator_cpu"),
                    setup.get("generator_loop"), setup.get("somaxconn"), setup.get("fd_limit")))
    plan = results["plan"]
    notes.append("clients %s between polls (fan-out and memory rows)"
                 % ("keep their connection" if plan.get("keep_alive") else "ask for Connection: close"))
    if plan.get("quota"):
        throttled = results.get("throttled") or (0, 0.0)
        notes.append("Pi-class: every server under one cgroup CPU quota of 1/%g core (an emulation of a "
                     "Pi Zero 2 W core; throttled %d times, %.1f s in all)" % (plan["quota"], throttled[0],
                                                                              throttled[1]))
    if setup.get("load"):
        notes.append("load average at the end: %s" % " ".join("%.2f" % x for x in setup["load"]))
    text = "\n".join(lines) + "\n\n" + "\n".join("- " + n for n in notes)
    return text + "\n\nTargets (issues 6 and 14), judged on the %s column:\n" % main + "\n".join(
        "- " + line for line in targets_met(results, main) + targets_14(results, main))


def targets_met(results, main):
    r = results["targets"].get(main)
    if r is None:
        return ["no artcast column: nothing to judge"]
    nchan = results["targets"].get("nchan", {})
    naive = results["targets"].get("naive", {})
    out = []

    def judge(label, ok, figure):
        out.append("%s %s: %s" % ("MET    " if ok else ("NOT MET" if ok is not None else "n/a    "), label, figure))

    f = r.get("fanout_1000")
    if f:
        judge("fan-out 1,000 p99 <= 25 ms", f["p99"] is not None and f["p99"] <= 0.025 and not f["lost"],
              "%s ms" % ms(f["p99"]))
        nf = nchan.get("fanout_1000")
        if nf and nf["p99"] and f["p99"]:
            q = f["p99"] / nf["p99"]
            judge("on par with nginx+nchan (ratio <= 1.0 goal, <= 1.5 floor)", q <= 1.5,
                  "%.2f (%s)" % (q, "goal" if q <= 1.0 else "floor" if q <= 1.5 else "over"))
        else:
            judge("on par with nginx+nchan", None, "nchan not measured")
        bf = naive.get("fanout_1000")
        if bf and bf["p99"] and f["p99"]:
            lost = " (naive lost %d of %d waves)" % (bf["lost"], bf["waves"]) if bf["lost"] else ""
            judge(">= 4x faster than naive microdot", bf["p99"] / f["p99"] >= 4,
                  "%.1fx%s" % (bf["p99"] / f["p99"], lost))
        elif bf and f["p99"]:
            why = ("never held all %s clients at once (its reconnects stall in the accept backlog)"
                   % format(bf["clients"], ",") if not bf.get("ready", True)
                   else "completed none of its %d waves" % bf["waves"])
            judge(">= 4x faster than naive microdot", True, "naive %s; artcast p99 %s ms" % (why, ms(f["p99"])))
    else:
        judge("fan-out to 1,000", None, "not in this run's sizes")
    f = r.get("fanout_5000")
    if f:
        judge("5,000 clients: every wave completes, p99 <= 150 ms",
              not f["lost"] and f["p99"] is not None and f["p99"] <= 0.150,
              "%s ms, %d waves lost" % (ms(f["p99"]), f["lost"]))
    else:
        judge("fan-out to 5,000", None, "not in this run's sizes")
    m = r.get("memory")
    if m:
        judge("<= 4 KB RSS per waiting client (at %s)" % format(m["clients"], ","),
              m["per_client"] <= 4096 if m["clients"] >= 10000 else None, "%.1f KB" % (m["per_client"] / 1024.0))
    judge("idle RSS <= 30 MB", r["rss_idle"] <= 30 * 1048576, "%.1f MB" % (r["rss_idle"] / 1048576.0))
    s = r.get("sustained") or r["sustained_keep_alive"]
    judge(">= 10,000 deliveries/s sustained (1,000 clients)",
          s["per_second"] >= 10000 if s["clients"] >= 1000 and not results["plan"].get("quota") else None,
          "%.0f/s" % s["per_second"])
    judge("zero missed state with ETags", s["missed"] == 0, "%d clients missed" % s["missed"])
    u = r.get("udp")
    if u:
        judge("no datum lost at 1,000/s over 100 keys", u["lost"] == 0,
              "%d of %d lost (kernel receive-buffer drops: %d)" % (u["lost"], u["sent"], u["kernel_drops"]))
    judge("idle: no periodic wake-ups", r["idle_switches_per_min"] < 1.0,
          "%.1f context switches/min over %.0f s" % (r["idle_switches_per_min"], results["plan"]["idle"]))
    judge("start-up to first answered request <= 1 s", r["startup"] <= 1.0, "%.2f s" % r["startup"])
    return out


def targets_14(results, main):
    """Issue 14: against nginx+nchan in the same run (at full speed or under the quota)."""
    r = results["targets"].get(main)
    nchan = results["targets"].get("nchan")
    if r is None:
        return []
    if not nchan:
        return ["n/a     issue 14 targets: nchan not measured in this run"]
    out = []

    def judge(label, ours, theirs, ok, fmt):
        if ours is None or theirs is None:
            out.append("n/a     %s: not measured" % label)
            return
        out.append("%s %s: %s vs nchan %s" % ("MET    " if ok(ours, theirs) else "NOT MET", label,
                                              fmt(ours), fmt(theirs)))

    us = lambda v: "%.0f µs" % (v * 1e6)
    for n in results["plan"]["clients"]:
        key = "fanout_%d" % n
        if n >= 1000 and key in r and key in nchan:
            judge("fan-out to %s: p99 <= nchan's" % format(n, ","), r[key]["p99"] if not r[key]["lost"] else None,
                  nchan[key]["p99"], lambda a, b: a <= b, lambda v: "%s ms" % ms(v))
    key = "fanout_%d" % max(results["plan"]["clients"])
    if key in r and key in nchan:
        judge("CPU per delivery (fan-out) <= 1.5x nchan's (stretch: <= nchan's)", r[key]["cpu_per_delivery"],
              nchan[key]["cpu_per_delivery"], lambda a, b: a <= 1.5 * b, us)
    if "sustained_keep_alive" in r and "sustained_keep_alive" in nchan:
        a, b = r["sustained_keep_alive"], nchan["sustained_keep_alive"]
        judge("keep-alive deliveries/s >= nchan's", a["per_second"], b["per_second"], lambda x, y: x >= y,
              lambda v: "%.0f/s" % v)
        judge("keep-alive CPU per delivery <= 1.5x nchan's", a["cpu_per_delivery"], b["cpu_per_delivery"],
              lambda x, y: x <= 1.5 * y, us)
    if "memory" in r and "memory" in nchan:
        total = lambda m: m["per_client"] + (m["kernel_per_client"] or 0)
        judge("RSS + kernel per waiting client <= nchan's", total(r["memory"]), total(nchan["memory"]),
              lambda x, y: x <= y, lambda v: "%.1f KB" % (v / 1024.0))
    return out
