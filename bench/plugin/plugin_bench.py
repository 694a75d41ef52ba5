"""Figures for the plugin benchmark (called by plugin-bench.sh). Standard library only."""
import argparse
import base64
import concurrent.futures
import json
import os
import random
import statistics
import subprocess
import time
import urllib.parse
import urllib.request

CONNECTORS = 50
DAYS = 7
DASHBOARDS = ["mail-flow", "message-protected-in-transit", "connector-report"]


def wait_ping(influx):
    for _ in range(200):
        try:
            urllib.request.urlopen(influx + "/ping", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("influxd did not start")


def post(url, body):
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def load(influx, end_s):
    """7 days of 1-minute points for 50 connectors: TLS1.2 and TLS1.3 every minute, TLS1.0 every 10 minutes on 10 of them."""
    post(influx + "/query", urllib.parse.urlencode({"q": "CREATE DATABASE mailflow"}).encode())
    rnd = random.Random(42)
    start_s = end_s - DAYS * 86400
    lines, points = [], 0
    t0 = time.perf_counter()
    for c in range(CONNECTORS):
        name = f"Partner{c:02d}" if c % 2 == 0 else f"OnPrem{c:02d}"
        ctype = "Partner" if c % 2 == 0 else "OnPremises"
        direction = "inbound" if c % 3 else "outbound"
        tags = f"connector={name},connector_type={ctype},direction={direction},forced_tls={'true' if c % 5 == 0 else 'false'},source=mx1"
        for minute in range(start_s, end_s, 60):
            n12 = rnd.randint(1, 20)
            n13 = rnd.randint(1, 20)
            lines.append(f"mailflow_messages,{tags},tls=TLS1.2 messages={n12}i,recipients={n12}i,bytes={n12 * 1000}i {minute}")
            lines.append(f"mailflow_messages,{tags},tls=TLS1.3 messages={n13}i,recipients={n13}i,bytes={n13 * 1000}i {minute}")
            if c < 10 and (minute // 60) % 10 == 0:
                lines.append(f"mailflow_messages,{tags},tls=TLS1.0 messages=1i,recipients=1i,bytes=1000i {minute}")
                lines.append(f"mailflow_peers,connector={name},direction={direction},peer=peer{c}.example,source=mx1,tls=TLS1.0 messages=1i,recipients=1i,bytes=1000i,last_seen={minute}i {minute}")
            if len(lines) >= 5000:
                post(influx + "/write?db=mailflow&precision=s", "\n".join(lines).encode())
                points += len(lines)
                lines = []
    if lines:
        post(influx + "/write?db=mailflow&precision=s", "\n".join(lines).encode())
        points += len(lines)
    return points, time.perf_counter() - t0


def rollup(exporter, influx, end_s):
    """The rollup tiers, built from the stored minutes by the real exporter (`mailflow-exporter rollup`)."""
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_s - DAYS * 86400))
    stop = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end_s + 60))
    t0 = time.perf_counter()
    subprocess.run([exporter, "rollup", "--from", start, "--to", stop, "--influx-url", influx, "--influx-database", "mailflow"],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def handshake_runs(plugin, runs):
    env = dict(os.environ, grafana_plugin_type="datasource", PLUGIN_PROTOCOL_VERSIONS="2")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen([plugin], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = p.stdout.readline()
        times.append((time.perf_counter() - t) * 1000)
        p.terminate()
        p.wait()
        if not line.startswith(b"1|2|tcp|127.0.0.1:"):
            raise SystemExit(f"bad handshake: {line!r}")
    return times


def dashboard(end_ms):
    frm = end_ms - DAYS * 86400 * 1000
    interval = (end_ms - frm) // 1000  # what Grafana sends for a 1000-pixel-wide panel
    models = [
        {"queryType": "summary"},
        {"queryType": "timeseries", "direction": "inbound"},
        {"queryType": "timeseries", "direction": "outbound", "measure": "percent"},
        {"queryType": "connectorReport"},
        {"queryType": "insights"},
        {"queryType": "peers", "limit": 50},
        {"queryType": "connectorTlsShare", "tls": "TLS1.0", "minMessages": 10},
        {"queryType": "connectors"},
        {"queryType": "summary", "connectors": ["Partner00", "Partner02"]},
        {"queryType": "timeseries", "connectorType": "Partner", "tls": "TLS1.0"},
    ]
    return [{"refId": chr(65 + i), "fromMS": frm, "toMS": end_ms, "maxDataPoints": 1000, "intervalMS": interval, "model": m}
            for i, m in enumerate(models)]


def dashboard_panels(path):
    """The panels a dashboard loads as it opens (not those in collapsed rows), each panel's visible targets."""
    board = json.load(open(path))

    def walk(panels):
        for panel in panels:
            if panel.get("type") == "row":
                if not panel.get("collapsed"):
                    yield from walk(panel.get("panels", []))
                continue
            targets = [t for t in panel.get("targets", []) if not t.get("hide")]
            if targets:
                yield panel, targets
    return board, list(walk(board["panels"]))


def nice_interval_ms(range_ms, max_points, minimum):
    """Grafana's panel interval: range / max data points, rounded up to a round step, at least the panel's minimum."""
    steps = [1000, 5000, 10000, 15000, 30000, 60000, 300000, 600000, 900000, 1800000, 3600000, 10800000, 21600000, 43200000, 86400000]
    raw = range_ms / max_points
    step = next((s for s in steps if s >= raw), steps[-1])
    return max(step, minimum)


def expand(model, connectors):
    """The dashboard's variables at their defaults: source and connector type empty, connector All (its allValue when
    the variable has one, as Grafana sends it as written; else every value)."""
    out = {k: v for k, v in model.items() if k != "datasource"}
    for key, value in list(out.items()):
        if isinstance(value, str) and value.startswith("$"):
            out[key] = ""
    if "connectors" in out:
        out["connectors"] = list(connectors)
    return out


def dashboard_stages(root, name, end_ms, connectors):
    """What Grafana's browser sends as the dashboard opens: its query variables first, then every panel at once."""
    board, panels = dashboard_panels(os.path.join(root, name + ".json"))
    frm = end_ms - DAYS * 86400 * 1000
    stages, variables = [], []
    for v in board.get("templating", {}).get("list", []):
        if v.get("name") == "connector" and v.get("allValue"):
            connectors = [v["allValue"]]
        if v.get("type") == "query" and isinstance(v.get("query"), dict):
            variables.append([{"refId": "var-" + v["name"], "fromMS": frm, "toMS": end_ms, "maxDataPoints": 1000,
                               "intervalMS": nice_interval_ms(end_ms - frm, 1000, 0), "queryType": v["query"].get("queryType", ""),
                               "model": expand(v["query"], connectors)}])
    if variables:
        stages.append(variables)
    units = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
    loads = []
    for i, (panel, targets) in enumerate(panels):
        interval = panel.get("interval") or ""
        minimum = int(interval[:-1]) * units[interval[-1]] if interval else 0
        max_points = panel.get("maxDataPoints") or 1000
        loads.append([{"refId": f"p{i}-{t['refId']}", "fromMS": frm, "toMS": end_ms, "maxDataPoints": max_points,
                       "intervalMS": nice_interval_ms(end_ms - frm, max_points, minimum), "queryType": t.get("queryType", ""),
                       "model": expand(t, connectors)} for t in targets])
    stages.append(loads)
    return stages, len(panels)


def first_loads(args, settings, end_s):
    """Per dashboard: FRESH fresh plugin processes, each opening the dashboard once (then once more, warm)."""
    root = args.dashboards or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dashboards")
    # The connector variable's values (what "All" expands to), from a throwaway process.
    probe = {"executable": args.plugin, "settings": settings, "queries": [{"refId": "c", "fromMS": end_s * 1000 - DAYS * 86400000, "toMS": end_s * 1000,
             "maxDataPoints": 1000, "intervalMS": 600000, "queryType": "connectors", "model": {"queryType": "connectors"}}]}
    out = subprocess.run([args.host], input=json.dumps(probe).encode(), capture_output=True, check=True).stdout
    frames = json.loads(subprocess.run(["node", args.decode], input=out, capture_output=True, check=True).stdout)["data"]["c"]["frames"]
    connectors = [v for v in frames[0]["fields"][0]["values"] if isinstance(v, str)] if frames else []
    # (label, executable, dashboards folder): with --compare, the two builds take turns, so that both meet the same
    # load on a shared machine.
    sides = [("A", args.plugin, root)] + ([("B", args.compare, args.compare_dashboards or root)] if args.compare else [])
    for name in DASHBOARDS:
        figures = {label: ([], [], [], []) for label, _, _ in sides}
        described = {}
        for _ in range(args.fresh):
            for label, plugin, folder in sides:
                stages, panels = dashboard_stages(folder, name, end_s * 1000, connectors)
                described[label] = f"{panels} panels, {sum(len(p) for st in stages for p in st)} queries, {len(stages)} stage(s)"
                first, warm, cpu, load = figures[label]
                script = {"executable": plugin, "settings": settings, "stages": stages, "repeat": 2, "env": args.plugin_env}
                load.append(os.getloadavg()[0])
                answer = json.loads(subprocess.run([args.host], input=json.dumps(script).encode(), capture_output=True, check=True).stdout)
                bad = {k: v["error"] for k, v in (answer.get("data") or {}).items() if v["status"] != 200}
                if bad or answer["errors"]:
                    raise SystemExit(f"{name}: queries failed: {bad} {answer['errors']}")
                first.append(answer["loadMs"][0])
                warm.append(answer["loadMs"][1])
                cpu.append(answer.get("cpuMs", 0))
                if args.show_timings:
                    for line in answer["stderr"]:
                        if "timing" in line:
                            print("   ", json.loads(line).get("@message", line))
        print(f"{name}:")
        for label, plugin, folder in sides:
            first, warm, cpu, load = figures[label]
            heading = f"  [{label}] {plugin}, {folder}\n" if len(sides) > 1 else ""
            print(f"{heading}  {described[label]}; first load from a fresh process: median {statistics.median(first):.0f} ms, min {min(first):.0f}, "
                  f"max {max(first):.0f} ms ({len(first)} processes: {', '.join(f'{x:.0f}' for x in first)})\n"
                  f"  second load (same process) median {statistics.median(warm):.0f} ms; plugin CPU (start + both loads) median {statistics.median(cpu):.0f} ms; "
                  f"load average {min(load):.1f}-{max(load):.1f}")


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--plugin", required=True)
    a.add_argument("--host", required=True)
    a.add_argument("--decode", required=True)
    a.add_argument("--influx", required=True)
    a.add_argument("--exporter", required=True)
    a.add_argument("--influx-dir", help="influxd's directory: wait for its snapshot before measuring")
    a.add_argument("--runs", type=int, default=20)
    a.add_argument("--repeat", type=int, default=20)
    a.add_argument("--loaded", action="store_true", help="the data is already in InfluxDB (with --end of that load)")
    a.add_argument("--end", type=int, help="end of the data, epoch seconds (default: now, to the minute)")
    a.add_argument("--dashboards", help="folder of the dashboards' JSON files (default: the repository's dashboards/)")
    a.add_argument("--compare-dashboards", help="with --compare: the dashboards folder of the second build")
    a.add_argument("--compare", help="a second plugin executable: the first loads alternate between the two (A/B)")
    a.add_argument("--fresh", type=int, default=10, help="fresh plugin processes per dashboard for the first-load figures")
    a.add_argument("--only-dashboards", action="store_true", help="skip the handshake, synthetic dashboard and direct-InfluxDB figures")
    a.add_argument("--show-timings", action="store_true", help="start the plugin with MAILFLOW_PLUGIN_TIMINGS=1 and print its per-phase lines")
    args = a.parse_args()

    wait_ping(args.influx)
    end_s = args.end or int(time.time()) // 60 * 60
    if args.loaded:
        print(f"data: already loaded ({CONNECTORS} connectors, {DAYS} days, 1-minute, up to {end_s})")
    else:
        points, seconds = load(args.influx, end_s)
        print(f"data: {points} points ({CONNECTORS} connectors, {DAYS} days, 1-minute, up to {end_s}) loaded in {seconds:.1f} s")
        print(f"rollup tiers built by mailflow-exporter rollup in {rollup(args.exporter, args.influx, end_s):.1f} s")
    if args.influx_dir:
        subprocess.run(["bash", "-c", f'. "{os.path.dirname(__file__)}/../lib/influxd.sh"; wait_snapshot "{args.influx_dir}"'], check=True)
    print(f"executable: {args.plugin} ({os.path.getsize(args.plugin) / 1e6:.1f} MB); load average {os.getloadavg()[0]:.1f}")
    settings = {"uid": "bench", "name": "bench", "url": args.influx, "jsonData": {"influxVersion": "1", "database": "mailflow"}, "lastUpdatedMS": 1}
    args.plugin_env = {"MAILFLOW_PLUGIN_TIMINGS": "1"} if args.show_timings else {}
    first_loads(args, settings, end_s)
    if args.only_dashboards:
        return

    hs = handshake_runs(args.plugin, args.runs)
    print(f"handshake from process start: median {statistics.median(hs):.0f} ms, min {min(hs):.0f} ms, max {max(hs):.0f} ms ({args.runs} runs)")

    queries = dashboard(end_s * 1000)
    script = {
        "executable": args.plugin,
        "settings": settings,
        "queries": queries,
        "repeat": args.repeat,
    }
    out = subprocess.run([args.host], input=json.dumps(script).encode(), capture_output=True, check=True).stdout
    answer = json.loads(out)
    bad = {k: v["error"] for k, v in answer["data"].items() if v["status"] != 200}
    if bad or answer["errors"]:
        raise SystemExit(f"queries failed: {bad} {answer['errors']}")
    ms = answer["queryMs"]  # sorted by the host
    print(f"host handshake (go-plugin client): {answer['handshakeMs']:.0f} ms")
    print(f"dashboard (10 queries in one QueryData): median {statistics.median(ms):.1f} ms, min {ms[0]:.1f} ms, max {ms[-1]:.1f} ms over {len(ms)} refreshes (the first is cold)")
    print(f"plugin peak RSS: {answer['peakRssKB'] / 1024:.1f} MB")

    # The same InfluxQL straight to InfluxDB, for the plugin's own share of the time.
    decoded = json.loads(subprocess.run(["node", args.decode], input=out, capture_output=True, check=True).stdout)
    statements = []
    for ref in sorted(decoded["data"]):
        frames = decoded["data"][ref]["frames"]
        if frames:
            statements.append(json.loads(frames[0]["schemaMetadata"]["meta"])["executedQueryString"].replace(";\n", "; "))

    def run(q):
        return urllib.request.urlopen(args.influx + "/query?" + urllib.parse.urlencode({"db": "mailflow", "epoch": "ns", "q": q}), timeout=60).read()

    direct = []
    with concurrent.futures.ThreadPoolExecutor(len(statements)) as pool:
        for _ in range(args.repeat):
            t = time.perf_counter()
            list(pool.map(run, statements))
            direct.append((time.perf_counter() - t) * 1000)
    print(f"same {len(statements)} InfluxQL answers straight from InfluxDB (concurrent, Python client): median {statistics.median(direct):.1f} ms")


if __name__ == "__main__":
    main()
