#!/usr/bin/env python3
"""Turns scripts/bench.sh's raw results into one table (stdout), docs/benchmarks.md and its chart.

Only the generated sections of the Markdown file (between <!-- bench:NAME:begin --> and
<!-- bench:NAME:end -->) are replaced; the hand-written analysis around them is kept.
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

TOOLS = ["asyncfetch", "asyncfetch-h1", "wget2", "curl", "aiohttp", "h2load"]
COLORS = {"asyncfetch": "#1f77b4", "asyncfetch-h1": "#6baed6", "wget2": "#2ca02c", "curl": "#ff7f0e",
          "aiohttp": "#9467bd", "h2load": "#8c564b"}

WORKLOADS = [
    ("small-http", "10,000 small files (0.5-1.5 KB), HTTP, -j 64"),
    ("small-https", "10,000 small files, HTTPS (HTTP/1.1), -j 64"),
    ("small-h2", "10,000 small files, HTTPS with HTTP/2 (nginx http2), -j 64"),
    ("relay", "2,000 small files, HTTPS through a relay adding a 20 ms round trip, -j 64 "
              "(asyncfetch: HTTP/2; asyncfetch-h1: --http1.1)"),
    ("delay", "1,000 URLs answering after 100 ms, -j 64 (ideal 1.6 s)"),
    ("big", "one 100 MiB body"),
    ("many", "100,000 URLs in one run, -j 64"),
    ("one", "a single small URL over HTTP (start-up, setup, one request)"),
    ("version", "`--version` (process start-up)"),
]
CHART_TITLES = {
    "small-http": "10,000 × 0.5-1.5 KB, HTTP",
    "small-https": "10,000 × 0.5-1.5 KB, HTTPS",
    "small-h2": "10,000 × 0.5-1.5 KB, HTTP/2",
    "relay": "2,000 × 0.5-1.5 KB, HTTPS, 20 ms round trip",
    "delay": "1,000 × 100 ms delay (dashed: ideal)",
    "big": "one 100 MiB body",
    "many": "100,000 URLs",
}


# ---------------------------------------------------------------------------------------------------
# Reading results.

def read_rss_kb(path):
    """Peak RSS in KiB from a /usr/bin/time -f %M file (last numeric line)."""
    try:
        with open(path) as f:
            nums = [line.strip() for line in f if line.strip().isdigit()]
        return int(nums[-1]) if nums else None
    except OSError:
        return None


def load_rounds(results, workload):
    """Per tool: times, paired ratios to asyncfetch, exit codes, RSS; plus foreign CPU per round."""
    wdir = os.path.join(results, workload)
    rounds = sorted(
        (int(m.group(1)), p)
        for p in glob.glob(os.path.join(wdir, "round-*.json"))
        if (m := re.search(r"round-(-?\d+)\.json$", p))
    )
    rounds = [(r, p) for r, p in rounds if r >= 1]  # round 0 is the warm-up
    if not rounds:
        return None
    data = {}
    foreign = []
    for r, path in rounds:
        with open(path) as f:
            res = json.load(f)["results"]
        by_tool = {x["command"]: x for x in res}
        base = by_tool.get("asyncfetch")
        for tool, x in by_tool.items():
            d = data.setdefault(tool, {"times": [], "ratios": [], "exit": [], "rss": [], "cpu": []})
            t = x["times"][0]
            d["times"].append(t)
            d["exit"].append(x["exit_codes"][0])
            d["cpu"].append(x["user"] + x["system"])
            if base:
                d["ratios"].append(t / base["times"][0])
            rss = read_rss_kb(os.path.join(wdir, f"rss-{tool}-{r}.txt"))
            if rss is not None:
                d["rss"].append(rss)
        cpu_path = os.path.join(wdir, f"cpu-{r}.txt")
        if os.path.exists(cpu_path):
            foreign.append(foreign_share(res, cpu_path))
    rejected = len(glob.glob(os.path.join(wdir, "rejected", "round-*.json")))
    return {"tools": data, "rounds": len(rounds), "foreign": foreign, "rejected": rejected}


def foreign_share(res, cpu_path):
    """The share (%) of all CPUs that processes other than the tools and the servers used during a round:
    CPU time of the whole machine minus the servers' and the measured commands', over the round's wall time."""
    with open(cpu_path) as f:
        b_busy, b_srv, a_busy, a_srv = (int(v) for v in f.read().split())
    wall = sum(x["times"][0] for x in res)
    measured = sum(x["user"] + x["system"] for x in res)
    other = ((a_busy - b_busy) - (a_srv - b_srv)) / os.sysconf("SC_CLK_TCK") - measured
    return max(0.0, other) / (wall * (os.cpu_count() or 1)) * 100 if wall > 0 else 0.0


def load_single(results, workload):
    """A workload measured by one hyperfine call (many runs of each tool, not paired rounds)."""
    path = os.path.join(results, workload, "hyperfine.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        res = json.load(f)["results"]
    data = {}
    for x in res:
        tool = x["command"]
        rss = read_rss_kb(os.path.join(results, workload, f"rss-{tool}-1.txt"))
        data[tool] = {"times": x["times"], "ratios": [], "exit": x["exit_codes"], "rss": [rss] if rss else [],
                      "cpu": []}
    base = statistics.median(data["asyncfetch"]["times"]) if "asyncfetch" in data else None
    for d in data.values():
        if base:
            d["ratios"] = [statistics.median(d["times"]) / base]
    return {"tools": data, "rounds": len(res[0]["times"]), "foreign": [], "rejected": 0}


# ---------------------------------------------------------------------------------------------------
# Formatting.

def fmt_time(s):
    """Three significant digits: 2.31 ms, 42.0 ms, 424 ms, 1.70 s."""
    if s is None:
        return "-"
    if s < 1:
        ms = s * 1000
        return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"
    return f"{s:.2f} s"


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.1f} MB"


def tool_stats(d):
    t = d["times"]
    return {
        "median": statistics.median(t),
        "mean": statistics.mean(t),
        "sd": statistics.stdev(t) if len(t) > 1 else 0.0,
        "min": min(t),
        "max": max(t),
        "ratio": statistics.median(d["ratios"]) if d["ratios"] else None,
        "rss": statistics.median(d["rss"]) if d["rss"] else None,
        "failed": sum(1 for e in d["exit"] if e != 0),
        "runs": len(t),
        "cpu": statistics.median(d["cpu"]) if d["cpu"] else None,
    }


def fmt_cpu(seconds):
    """Median client CPU time (user + sys) of a tool's runs."""
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def compared(peer, ratio):
    """A paired ratio (peer's time over asyncfetch's) in words."""
    if ratio >= 1.0:
        return f"{ratio:.2f}x faster than {peer}"
    return f"{1 / ratio:.2f}x slower than {peer}"


def verdicts(workload, stats):
    """The issue's targets for one workload, each as (text, met)."""
    a = stats.get("asyncfetch")
    if not a:
        return []
    out = []
    if workload in ("small-http", "small-https"):
        if "wget2" in stats:
            r = stats["wget2"]["ratio"]
            out.append((f"faster than wget2: {compared('wget2', r)}", r > 1.0))
        if "curl" in stats:
            r = stats["curl"]["ratio"]
            out.append((f">= 1.5x faster than curl --parallel: {compared('curl', r)}", r >= 1.5))
        h = stats.get("h2load")
        if workload == "small-http" and h and h["cpu"] and a["cpu"]:
            out.append((f"client CPU (user + sys) at most h2load --h1's: {a['cpu'] * 1000:.0f} ms against "
                        f"{h['cpu'] * 1000:.0f} ms ({a['cpu'] / h['cpu']:.2f}x)", a["cpu"] <= h["cpu"]))
    elif workload == "small-h2":
        for peer in ("wget2", "curl"):
            if peer in stats:
                r = stats[peer]["ratio"]
                out.append((f"faster than {peer}: {compared(peer, r)}", r > 1.0))
        h = stats.get("h2load")
        if h:
            out.append((f"within 1.2x h2load -c 1's wall time: {a['median'] / h['median']:.2f}x",
                        a["median"] <= 1.2 * h["median"]))
            if h["cpu"] and a["cpu"]:
                out.append((f"client CPU within 1.5x h2load's: {a['cpu'] * 1000:.0f} ms against "
                            f"{h['cpu'] * 1000:.0f} ms ({a['cpu'] / h['cpu']:.2f}x)", a["cpu"] <= 1.5 * h["cpu"]))
    elif workload == "relay":
        if "curl" in stats:
            r = stats["curl"]["ratio"]
            out.append((f"over HTTP/2 at least as fast as curl --parallel: {compared('curl', r)}", r >= 1.0))
        h1 = stats.get("asyncfetch-h1")
        if h1:
            out.append((f"HTTP/2 against asyncfetch's own HTTP/1.1: {compared('--http1.1', h1['ratio'])}",
                        h1["ratio"] >= 1.0))
    elif workload == "delay":
        m = a["median"]
        out.append((f"within 5% of 1.6 s: {m:.3f} s ({(m / 1.6 - 1) * 100:+.1f}%)", m <= 1.6 * 1.05))
    elif workload == "big":
        if "curl" in stats:
            r = stats["curl"]["ratio"]
            out.append((f"no slower than curl: {compared('curl', r)}", r >= 1.0))
            out.append((f"at most 0.9x curl's time: {1 / r:.2f}x", 1 / r <= 0.9))
        if a["rss"] is not None:
            out.append((f"peak memory under 8 MB: {a['rss'] / 1024:.1f} MB", a["rss"] < 8 * 1024))
    elif workload == "many":
        if a["rss"] is not None:
            out.append((f"peak memory under 40 MB: {a['rss'] / 1024:.1f} MB", a["rss"] < 40 * 1024))
    elif workload == "version":
        out.append((f"under 3 ms: {a['median'] * 1000:.2f} ms", a["median"] < 0.003))
    return out


def build_table(all_stats):
    """Markdown table rows and the per-workload target lines."""
    lines = [
        "| workload | tool | median | mean ± σ | range (min … max) | runs | time ÷ asyncfetch's | CPU (user + sys) | peak RSS |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    notes = []
    for workload, title in WORKLOADS:
        stats = all_stats.get(workload)
        if not stats:
            continue
        first = True
        for tool in TOOLS:
            s = stats["tools"].get(tool)
            if not s:
                continue
            name = f"**{workload}**" if first else ""
            first = False
            ratio = "-" if s["ratio"] is None else f"{s['ratio']:.2f}x"
            failed = f" ({s['failed']} failed)" if s["failed"] else ""
            tool_name = f"**{tool}**" if tool == "asyncfetch" else tool
            sd = fmt_time(s["sd"]) if s["runs"] > 1 else "-"
            lines.append(
                f"| {name} | {tool_name}{failed} | {fmt_time(s['median'])} | {fmt_time(s['mean'])} ± {sd} | "
                f"{fmt_time(s['min'])} … {fmt_time(s['max'])} | {s['runs']} | {ratio} | {fmt_cpu(s['cpu'])} | "
                f"{fmt_mb(s['rss'])} |"
            )
        marks = [f"{'met' if ok else '**not met**'}: {text}" for text, ok in stats["verdicts"]]
        foreign = stats.get("foreign") or []
        busy = ""
        if foreign:
            busy = f"; other processes used {statistics.median(foreign):.0f}% of the CPUs (median, max " \
                   f"{max(foreign):.0f}%) during the rounds kept"
            n = stats.get("rejected") or 0
            if n:
                busy += f" ({n} round{'s' if n > 1 else ''} measured again because of them)"
        notes.append(f"- **{workload}**, {title}: " + ("; ".join(marks) or "no target in the issue") + busy)
    return lines, notes


def console_table(all_stats):
    rows = [("workload", "tool", "median", "mean ± σ", "min … max", "÷ asyncfetch", "CPU", "peak RSS")]
    for workload, _ in WORKLOADS:
        stats = all_stats.get(workload)
        if not stats:
            continue
        for tool in TOOLS:
            s = stats["tools"].get(tool)
            if not s:
                continue
            rows.append((
                workload,
                tool + (f" ({s['failed']} failed)" if s["failed"] else ""),
                fmt_time(s["median"]),
                f"{fmt_time(s['mean'])} ± {fmt_time(s['sd']) if s['runs'] > 1 else '-'}",
                f"{fmt_time(s['min'])} … {fmt_time(s['max'])}",
                "-" if s["ratio"] is None else f"{s['ratio']:.2f}x",
                fmt_cpu(s["cpu"]),
                fmt_mb(s["rss"]),
            ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# Chart.

def write_chart(all_stats, svg_path, work_dir):
    panels = [(w, t) for w, t in WORKLOADS if w in all_stats and w not in ("one", "version")]
    if not panels:
        return False
    script = [
        "set terminal svg size 1200,1100 dynamic font 'Helvetica,12' background '#ffffff'",
        f"set output '{svg_path}'",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.7",
        "set grid ytics lc '#dddddd'",
        "set border 3",
        "set xtics nomirror scale 0",
        "set ytics nomirror",
        "unset key",
        "set yrange [0:*]",
        "set offsets 0.3, 0.3, 0, 0",
        "set multiplot layout 3,3 title 'asyncfetch vs wget2, curl --parallel and aiohttp on loopback "
        "(median of paired runs; bars: min…max)' font ',14'",
    ]
    for w, title in panels:
        stats = all_stats[w]["tools"]
        data = os.path.join(work_dir, f"chart-{w}.dat")
        with open(data, "w") as f:
            for i, tool in enumerate(t for t in TOOLS if t in stats):
                s = stats[tool]
                color = int(COLORS[tool][1:], 16)
                f.write(f"{i} {tool} {s['median']} {s['min']} {s['max']} {color}\n")
        ideal = ", 1.6 with lines dt 2 lc rgb '#555555'" if w == "delay" else ""
        script += [
            f"set title '{w}: {CHART_TITLES.get(w, title)}' font ',11'",
            "set ylabel 'seconds'",
            f"plot '{data}' using 1:3:6:xtic(2) with boxes lc rgb variable, "
            f"'' using 1:4:(0):($5-$4) with vectors nohead lc rgb '#333333', "
            f"'' using 1:5:(sprintf('%.2f', $3)) with labels offset 0,0.8 font ',10'{ideal}",
        ]
    # Peak memory panel: the two workloads with memory targets.
    mem = os.path.join(work_dir, "chart-memory.dat")
    rows = []
    for w in ("big", "many"):
        if w in all_stats:
            for tool in TOOLS:
                s = all_stats[w]["tools"].get(tool)
                if s and s["rss"] is not None:
                    rows.append((f"{tool} ({w})", s["rss"] / 1024, int(COLORS[tool][1:], 16)))
    if rows and len(panels) < 9:
        with open(mem, "w") as f:
            for i, (label, mb, color) in enumerate(rows):
                f.write(f"{i} \"{label}\" {mb} {color}\n")
        script += [
            "set title 'peak RSS (MB): big and many' font ',11'",
            "set ylabel 'MB'",
            "set xtics font ',8' rotate by -35 left",
            "set bmargin 5",
            f"plot '{mem}' using 1:3:4:xtic(2) with boxes lc rgb variable, "
            f"'' using 1:3:(sprintf('%.0f', $3)) with labels offset 0,0.6 font ',9'",
        ]
    script.append("unset multiplot")
    gp = os.path.join(work_dir, "chart.gp")
    with open(gp, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", gp], check=True)
    return True


# ---------------------------------------------------------------------------------------------------
# Micro-benchmarks and profile.

def micro_section(results):
    path = os.path.join(results, "micro", "micro.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    lines = [
        "| benchmark | label | time per iteration (median of 3) | counters |",
        "|---|---|--:|---|",
    ]
    keep = ["allocs", "allocs_per_req", "bytes_per_req", "mallocs_per_req", "aligned_per_req", "time_per_req",
            "connections", "failed"]
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"]
        counters = []
        for k in keep:
            if k in b:
                v = b[k]
                if k == "time_per_req":
                    counters.append(f"{k}={v * 1e6:.1f} µs")
                else:
                    counters.append(f"{k}={v:.1f}" if abs(v - round(v)) > 0.05 else f"{k}={round(v)}")
        t = b["real_time"]
        unit = b["time_unit"]
        lines.append(f"| `{name}` | {b.get('label', '')} | {t:.3g} {unit} | {', '.join(counters)} |")
    ctx = data.get("context", {})
    note = (f"\nGoogle Benchmark on {ctx.get('num_cpus', '?')} CPUs; "
            f"Debian's libbenchmark is a debug build of the library (its warning), which does not change the "
            f"code under test. `allocs` counts operator new calls on the benchmark's thread only (the "
            f"in-process testbed has its own thread); `mallocs_per_req` counts every C allocation on that thread "
            f"(operator new's, OpenSSL's, and the aligned ones Asio makes for coroutine frames and handlers when "
            f"its per-thread cache misses, also shown alone as `aligned_per_req`). An iteration of a fetch "
            f"benchmark is 1,000 requests, one at a time.")
    return "\n".join(lines) + "\n" + note


TEMPLATE_RE = re.compile(r"<[^<>]*>")
PARAMS_RE = re.compile(r"\((?:[^()]|\(\))*\)")


def short_symbol(sym):
    """Drops template arguments and parameter lists: enough to recognise a function."""
    s = sym.replace("operator()", "operator@CALL@").replace("operator<<", "operator@SHL@")
    s = s.replace("operator<", "operator@LT@").replace("operator>", "operator@GT@")
    prev = None
    while prev != s:
        prev = s
        s = TEMPLATE_RE.sub("", s)
    prev = None
    while prev != s:
        prev = s
        s = PARAMS_RE.sub("", s)
    s = s.replace("@CALL@", "()").replace("@SHL@", "<<").replace("@LT@", "<").replace("@GT@", ">")
    s = re.sub(r"\s+const\b", "", s)
    return s.strip()


CG_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(?:([<>*])\s+)?(.*?)(?:\s+\(([\d,]+)x\))?(?:\s+\[([^\]]*)\])?\s*$")


def parse_callgrind(path, limit):
    """(percent, location, count) rows of a callgrind_annotate listing, PROGRAM TOTALS first."""
    rows = []
    total = None
    if not os.path.exists(path):
        return total, rows
    with open(path) as f:
        for line in f:
            m = CG_LINE.match(line)
            if not m:
                continue
            ir, pct, mark, loc, count, obj = m.groups()
            if "PROGRAM TOTALS" in loc:
                total = int(ir.replace(",", ""))
                continue
            if mark:
                continue
            rows.append((float(pct), describe_location(loc, obj)))
            if len(rows) >= limit:
                break
    return total, rows


def describe_location(loc, obj):
    file, _, func = loc.partition(":")
    if file == "???":
        where = os.path.basename(obj or "?")
    else:
        where = os.path.basename(file)
    return f"{short_symbol(func)} ({where})"


def alloc_callers(path, per):
    """Callers of operator new and malloc with their call counts, from callgrind_annotate --tree=caller."""
    if not os.path.exists(path):
        return []
    out = []
    block = []
    with open(path) as f:
        for line in f:
            m = CG_LINE.match(line)
            if not m:
                block = []
                continue
            ir, pct, mark, loc, count, obj = m.groups()
            if mark == "<":
                block.append((loc, int((count or "0").replace(",", "")), obj))
            elif mark == "*":
                func = loc.partition(":")[2]
                if func.startswith(("operator new(", "operator new[](")) or func in ("malloc", "_mid_memalign.constprop.0"):
                    for cloc, n, cobj in block:
                        if n >= per:
                            out.append((short_symbol(func), describe_location(cloc, cobj), n))
                block = []
            else:
                block = []
    out.sort(key=lambda r: -r[2])
    return out


PERF_LINE = re.compile(r"^\s+([\d.]+)%\s+(?:([\d.]+)%\s+)?(\S.*)$")


def parse_perf(path, limit):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = PERF_LINE.match(line)
            if not m:
                continue
            first, second, rest = m.groups()
            rest = re.sub(r"\s{2,}", "  ", rest.strip())
            parts = rest.split("  ")
            if "[.]" in rest or "[k]" in rest:
                sym = rest.split("] ", 1)[1] if "] " in rest else rest
                dso = parts[0] if len(parts) > 1 and "[" not in parts[0] else ""
                rest = short_symbol(sym) + (f" ({dso})" if dso else "")
            rows.append((float(first), float(second) if second else None, rest))
            if len(rows) >= limit:
                break
    return rows


def strace_rows(path, per):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] not in ("total",):
                calls = int(parts[3])
                syscall = parts[-1]
                rows.append((syscall, calls, calls / per))
    rows.sort(key=lambda r: -r[1])
    return rows


def profile_section(results):
    pdir = os.path.join(results, "profile")
    if not os.path.isdir(pdir):
        return None
    try:
        with open(os.path.join(pdir, "small-count.txt")) as f:
            small = int(f.read())
    except OSError:
        small = 10000
    out = []
    for name, title in (("small-http", f"{small:,} small files over HTTP"),
                        ("small-https", f"{small:,} small files over HTTPS"),
                        ("big", "one 100 MiB body")):
        dso = parse_perf(os.path.join(pdir, f"perf-{name}-dso.txt"), 8)
        if not dso:
            continue
        out.append(f"#### perf, {title}: where the samples land (cpu-clock, asyncfetch process)\n")
        out.append("| share | shared object |\n|--:|---|")
        out += [f"| {p:.1f}% | `{d}` |" for p, _, d in dso]
        self_rows = parse_perf(os.path.join(pdir, f"perf-{name}-self.txt"), 15)
        out.append("\n<details><summary>top functions by own samples</summary>\n")
        out.append("| self | function (shared object) |\n|--:|---|")
        out += [f"| {p:.1f}% | `{d}` |" for p, _, d in self_rows]
        out.append("\n</details>\n")
        child_rows = [r for r in parse_perf(os.path.join(pdir, f"perf-{name}-children.txt"), 60)
                      if not r[2].startswith(("_start", "main", "__libc_start"))][:25]
        if child_rows:
            out.append("<details><summary>top functions by inclusive samples</summary>\n")
            out.append("| inclusive | self | function |\n|--:|--:|---|")
            out += [f"| {p:.1f}% | {s or 0:.1f}% | `{d}` |" for p, s, d in child_rows]
            out.append("\n</details>\n")
    for name, title in (("small-http", "2,000 small files over HTTP"), ("small-https", "2,000 small files over HTTPS")):
        total, incl = parse_callgrind(os.path.join(pdir, f"callgrind-{name}-inclusive.txt"), 400)
        if total is None:
            continue
        _, excl = parse_callgrind(os.path.join(pdir, f"callgrind-{name}-self.txt"), 20)
        out.append(f"#### callgrind, {title}: {total:,} instructions, {total / 2000:,.0f} per URL\n")
        # The inclusive list has every frame of every stack; keep the informative ones.
        seen = set()
        picked = []
        for pct, d in incl:
            if pct < 2.0 or d in seen or d.startswith(("0x", " ", "(below main)", "__libc_start", "main ")):
                continue
            seen.add(d)
            picked.append((pct, d))
            if len(picked) >= 30:
                break
        out.append("<details><summary>inclusive (top 30 distinct frames)</summary>\n")
        out.append("| inclusive | function (file or object) |\n|--:|---|")
        out += [f"| {p:.1f}% | `{d}` |" for p, d in picked]
        out.append("\n</details>\n")
        out.append("<details><summary>self (top 20)</summary>\n")
        out.append("| self | function (file or object) |\n|--:|---|")
        out += [f"| {p:.1f}% | `{d}` |" for p, d in excl]
        out.append("\n</details>\n")
        callers = [(f, c.replace("_mid_memalign.constprop.0 (malloc.c)", "aligned_alloc / memalign (Asio)"), n)
                   for f, c, n in alloc_callers(os.path.join(pdir, f"callgrind-{name}-callers.txt"), 2000)
                   if not f.startswith("_mid_memalign")]
        if callers:
            out.append("<details><summary>allocation calls made at least once per URL, by caller</summary>\n")
            out.append("Calls over the whole run divided by 2,000, start-up included: the `CRYPTO_malloc` "
                       "calls of the HTTP run are the CA store being loaded.\n")
            out.append("| calls | per URL | allocator | caller (inlined-from file) |\n|--:|--:|---|---|")
            out += [f"| {n:,} | {n / 2000:.1f} | `{f}` | `{c}` |" for f, c, n in callers[:25]]
            out.append("\n</details>\n")
    for name, title, per in (("small-http", f"{small:,} small files over HTTP", small),
                             ("big", "one 100 MiB body", 1)):
        rows = strace_rows(os.path.join(pdir, f"strace-{name}.txt"), per)
        if not rows:
            continue
        out.append(f"#### system calls, {title} (strace -c counts)\n")
        out.append("| syscall | calls | per URL |\n|---|--:|--:|" if per > 1 else "| syscall | calls |\n|---|--:|")
        out += [f"| `{s}` | {c:,} | {p:,.2f} |" if per > 1 else f"| `{s}` | {c:,} |" for s, c, p in rows[:8]]
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# Markdown assembly.

SKELETON = """# Benchmarks

`scripts/bench.sh` measures asyncfetch against wget2, `curl --parallel` and Python aiohttp on loopback,
and writes the generated parts of this page. Its header lists the workloads and settings.

## Results

<!-- bench:results:begin -->
<!-- bench:results:end -->

## Micro-benchmarks

<!-- bench:micro:begin -->
<!-- bench:micro:end -->

## Profile listings

<!-- bench:profile:begin -->
<!-- bench:profile:end -->
"""


def replace_section(text, name, body):
    begin = f"<!-- bench:{name}:begin -->"
    end = f"<!-- bench:{name}:end -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        text += f"\n{begin}\n{end}\n"
    return pattern.sub(lambda _: f"{begin}\n{body.strip()}\n{end}", text)


def round_summary(wdir, r):
    """For bench.sh after each round: prints the round's times to stderr and returns the share (%) of
    the CPUs that processes other than the tools and servers used during it."""
    with open(os.path.join(wdir, f"round-{r}.json")) as f:
        res = json.load(f)["results"]
    print("".join(f" {x['command']} {x['times'][0]:.3f}s" for x in res), file=sys.stderr)
    return foreign_share(res, os.path.join(wdir, f"cpu-{r}.txt"))


def main():
    if sys.argv[1] == "--round":
        print(round(round_summary(sys.argv[2], int(sys.argv[3]))))
        return
    results, md_path, svg_path = sys.argv[1:4]
    all_stats = {}
    for workload, _ in WORKLOADS:
        raw = load_single(results, workload) if workload in ("one", "version") else load_rounds(results, workload)
        if not raw:
            continue
        stats = {t: tool_stats(d) for t, d in raw["tools"].items()}
        all_stats[workload] = {"tools": stats, "foreign": raw["foreign"], "rejected": raw["rejected"],
                               "verdicts": verdicts(workload, stats)}

    print(console_table(all_stats))
    lines, notes = build_table(all_stats)
    for n in notes:
        print(n.replace("**", ""))

    env = ""
    env_path = os.path.join(results, "environment.txt")
    if os.path.exists(env_path):
        with open(env_path) as f:
            env = "\n".join(f"- {line.rstrip()}" for line in f if line.strip())
    revisions = []
    for workload in [w for w, _ in WORKLOADS] + ["micro", "profile"]:
        path = os.path.join(results, workload, "revision.txt")
        if os.path.exists(path):
            with open(path) as f:
                rev, _, when = f.read().strip().partition(" ")
            revisions.append(f"{workload}: asyncfetch {rev}, {when}")
    if revisions:
        env += "\n- measured:\n" + "\n".join(f"  - {r}" for r in revisions)
    log_path = os.path.join(results, "runs.log")
    if os.path.exists(log_path):
        with open(log_path) as f:
            runs = [line.strip() for line in f if line.strip()]
        env += "\n- bench.sh runs behind these results:\n" + "\n".join(f"  - {r}" for r in runs)

    chart = write_chart(all_stats, os.path.abspath(svg_path), results)
    body = [
        "Generated by `scripts/bench.sh`; wall time of the whole process, each tool run once per round with the "
        "tools in a rotated order, after one warm-up round (none for `many`). \"time ÷ asyncfetch's\" is the "
        "median over rounds of each round's ratio (above 1: asyncfetch was faster). Peak RSS is the median "
        "of `/usr/bin/time -f %M` over the rounds.",
        "",
        *lines,
        "",
        "Targets from the issue:",
        "",
        *notes,
        "",
    ]
    if chart:
        body += [f"![benchmark chart]({os.path.basename(svg_path)})", ""]
    if env:
        body += ["Environment:", "", env, ""]

    if os.path.exists(md_path):
        with open(md_path) as f:
            text = f.read()
    else:
        text = SKELETON
    text = replace_section(text, "results", "\n".join(body))
    micro = micro_section(results)
    if micro:
        text = replace_section(text, "micro", micro)
    prof = profile_section(results)
    if prof:
        text = replace_section(text, "profile", prof)
    os.makedirs(os.path.dirname(os.path.abspath(md_path)), exist_ok=True)
    with open(md_path, "w") as f:
        f.write(text)
    print(f"wrote {md_path}" + (f" and {svg_path}" if chart else ""))


if __name__ == "__main__":
    main()
