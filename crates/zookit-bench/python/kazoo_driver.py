"""kazoo's side of zookit's benchmark (crates/zookit-bench).

Runs one job, given as key=value arguments (see src/job.rs), with kazoo,
and prints one line: ZOOKIT_BENCH_RESULT followed by the outcome as JSON
(operations, wall time and this process's CPU time over the measured part;
resident memory for the idle client).

Pipelining uses kazoo's async API (``get_async``/``set_async`` with a
window of requests in flight); everything else its blocking API. The tree
workloads do what zc.zk's ``export_tree`` and ``import_tree`` do, node by
node, with kazoo.
"""

import ast
import json
import logging
import re
import resource
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.security import OPEN_ACL_UNSAFE

RESULT_PREFIX = "ZOOKIT_BENCH_RESULT "
IDLE_REST = 0.5
FANOUT_TIMEOUT = 60.0
ARM_WINDOW = 500


class Job:
    """A job: the key=value arguments, numbers as ints."""

    NUMBERS = ("count", "window", "sessions", "nodes", "rounds", "warmup", "value_size")

    def __init__(self, argv):
        for arg in argv:
            key, _, value = arg.partition("=")
            setattr(self, key, int(value) if key in self.NUMBERS else value)
        self.value = bytes(ord("a") + i % 26 for i in range(self.value_size))

    def data_path(self, i):
        return "%s/n%05d" % (self.path, i % max(self.nodes, 1))

    def data_paths(self, n):
        return [self.data_path(i) for i in range(n)]

    def parallel_op(self, session, j):
        return (session * 7919 + j * 31) % max(self.nodes, 1), j % 10 == 9


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class Meter:
    def __init__(self):
        self.cpu = cpu_seconds()
        self.start = time.perf_counter()

    def stop(self, ops):
        elapsed = time.perf_counter() - self.start
        return {"ops": ops, "elapsed_s": elapsed, "cpu_s": cpu_seconds() - self.cpu}


def add(total, outcome):
    for key in ("ops", "elapsed_s", "cpu_s"):
        total[key] += outcome[key]


def connect(job):
    client = KazooClient(hosts=job.hosts)
    client.start(timeout=15)
    return client


def close(client):
    client.stop()
    client.close()


# ---- sequential ----


def crud(client, job, prefix, n):
    paths = ["%s/%s%d" % (job.path, prefix, i) for i in range(n)]
    for path in paths:
        client.create(path, job.value)
    for path in paths:
        client.get(path)
    for path in paths:
        client.set(path, job.value)
    for path in paths:
        client.delete(path)


def sequential(job):
    client = connect(job)
    crud(client, job, "w", job.warmup)
    meter = Meter()
    crud(client, job, "n", job.count)
    outcome = meter.stop(4 * job.count)
    close(client)
    return outcome


# ---- pipelined, with the async API ----


def pipeline(client, job, paths, count, set_data):
    """count requests, at most job.window in flight."""
    if count == 0:
        return
    window = threading.Semaphore(max(job.window, 1))
    done = threading.Event()
    state = {"left": count, "error": None}

    def finished(result):
        # Called on kazoo's completion thread, one reply at a time.
        if result.exception is not None and state["error"] is None:
            state["error"] = result.exception
        window.release()
        state["left"] -= 1
        if state["left"] == 0:
            done.set()

    n = len(paths)
    value = job.value
    for i in range(count):
        window.acquire()
        path = paths[i % n]
        if set_data:
            result = client.set_async(path, value)
        else:
            result = client.get_async(path)
        result.rawlink(finished)
    done.wait()
    if state["error"] is not None:
        raise state["error"]


def pipelined(job):
    client = connect(job)
    paths = job.data_paths(job.nodes)
    set_data = job.workload == "pipelined_set"
    pipeline(client, job, paths, job.warmup, set_data)
    meter = Meter()
    pipeline(client, job, paths, job.count, set_data)
    outcome = meter.stop(job.count)
    close(client)
    return outcome


# ---- parallel sessions, with threads ----


def mixed(client, job, session, first, n, errors):
    try:
        for j in range(first, first + n):
            node, set_data = job.parallel_op(session, j)
            path = job.data_path(node)
            if set_data:
                client.set(path, job.value)
            else:
                client.get(path)
    except Exception as error:  # reported by the main thread
        errors.append(error)


def run_sessions(clients, job, first, n):
    errors = []
    threads = [
        threading.Thread(target=mixed, args=(client, job, s, first, n, errors))
        for s, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def parallel(job):
    clients = [connect(job) for _ in range(job.sessions)]
    run_sessions(clients, job, 0, job.warmup)
    meter = Meter()
    run_sessions(clients, job, job.warmup, job.count)
    outcome = meter.stop(job.sessions * job.count)
    for client in clients:
        close(client)
    return outcome


# ---- watches ----


def arm(client, paths, watch):
    """A one-shot data watch on every path, many requests in flight."""
    for start in range(0, len(paths), ARM_WINDOW):
        results = [client.get_async(p, watch=watch) for p in paths[start : start + ARM_WINDOW]]
        for result in results:
            result.get()


def watch_fanout(job):
    watcher = connect(job)
    writer = connect(job)
    paths = job.data_paths(job.count)
    total = {"ops": 0, "elapsed_s": 0.0, "cpu_s": 0.0}
    for round_ in range(job.warmup + job.rounds):
        state = {"left": len(paths)}
        delivered = threading.Event()

        def on_event(event):
            # Called on kazoo's callback thread, one event at a time.
            state["left"] -= 1
            if state["left"] == 0:
                delivered.set()

        arm(watcher, paths, on_event)
        meter = Meter()
        transaction = writer.transaction()
        for path in paths:
            transaction.set_data(path, job.value)
        for result in transaction.commit():
            if isinstance(result, Exception):
                raise result
        if not delivered.wait(FANOUT_TIMEOUT):
            raise RuntimeError("%d watch events missing" % state["left"])
        outcome = meter.stop(len(paths))
        if round_ >= job.warmup:
            add(total, outcome)
    close(watcher)
    close(writer)
    return total


def idle_watches(job):
    base = rss_kb()
    client = connect(job)
    meter = Meter()
    arm(client, job.data_paths(job.count), lambda event: None)
    outcome = meter.stop(job.count)
    time.sleep(IDLE_REST)
    outcome["rss_kb"] = rss_kb()
    outcome["base_rss_kb"] = base
    close(client)
    return outcome


# ---- connect + close ----


def connect_close(job):
    for _ in range(job.warmup):
        close(connect(job))
    meter = Meter()
    for _ in range(job.count):
        close(connect(job))
    return meter.stop(job.count)


# ---- trees: what zc.zk does, node by node ----


def encode(properties):
    """A node's data: its properties as compact JSON (zc.zk's format)."""
    if len(properties) == 1 and "string_value" in properties:
        return properties["string_value"].encode()
    if not properties:
        return b""
    return json.dumps(properties, separators=(",", ":")).encode()


def decode(data):
    text = data.decode().strip()
    if not text:
        return {}
    if text.startswith("{") and text.endswith("}"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return {"string_value": data.decode()}


def export_tree(client, path, ephemeral=False):
    """The tree text of the tree at path: each node's line, its properties
    sorted, its links, then its children sorted, each read with a get and a
    get_children."""
    lines = []

    def export(path, indent):
        children = client.get_children(path)
        if path == "/":
            path = ""
            if "zookeeper" in children:
                children.remove("zookeeper")
        else:
            data, stat = client.get(path)
            if stat.ephemeralOwner and not ephemeral:
                return
            properties = decode(data)
            name = path.rsplit("/", 1)[1]
            node_type = properties.pop("type", None)
            if node_type:
                name += " : " + node_type
            lines.append(indent + "/" + name)
            indent += "  "
            links = []
            for key, value in sorted(properties.items()):
                if key.endswith(" ->"):
                    links.append((key, value))
                else:
                    lines.append(indent + "%s = %r" % (key, value))
            for key, value in links:
                lines.append(indent + "%s %s" % (key, value))
        for child in sorted(children):
            export(path + "/" + child, indent)

    export(path, "")
    return "\n".join(lines) + "\n"


class Node:
    def __init__(self, name=""):
        self.name = name
        self.properties = {}
        self.children = {}


NODE_LINE = re.compile(r"/(?P<name>\S+)(\s*:\s*(?P<type>\S.*))?$")
PROPERTY_LINE = re.compile(r"(?P<name>\S+)\s*=\s*(?P<expr>\S.*)$")
LINK_LINE = re.compile(r"(?P<name>\S+)\s*->\s*(?P<target>\S+)$")


def parse_tree(text):
    """The tree of a tree text: nodes by indentation, properties as Python
    literals, links."""
    root = Node()
    stack = [(-1, root)]
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        node = NODE_LINE.match(stripped)
        if node:
            child = Node(node.group("name"))
            if node.group("type"):
                child.properties["type"] = node.group("type")
            parent.children[child.name] = child
            stack.append((indent, child))
            continue
        prop = PROPERTY_LINE.match(stripped)
        link = LINK_LINE.match(stripped)
        if prop:
            parent.properties[prop.group("name")] = ast.literal_eval(prop.group("expr"))
        elif link:
            parent.properties[link.group("name") + " ->"] = link.group("target")
        else:
            raise ValueError("line %d: unrecognized: %r" % (number, stripped))
    return root


def import_tree(client, text, path="/", trim=None, acl=OPEN_ACL_UNSAFE):
    """Imports the tree text under path; returns the nodes created. Each
    node: exists, then set (and its ACL checked) or create; below the top
    level, its children are listed to find extra nodes."""
    path = path.rstrip("/")
    created = [0]

    def import_node(path, node, top=False):
        if not top:
            for name in sorted(client.get_children(path)):
                if name not in node.children and trim is None:
                    print("extra path not trimmed:", path + "/" + name)
        for name, child in sorted(node.children.items()):
            child_path = path + "/" + name
            data = encode(child.properties)
            if client.exists(child_path):
                client.set(child_path, data)
                current, stat = client.get_acls(child_path)
                if current != acl:
                    client.set_acls(child_path, acl, stat.aversion)
            else:
                client.create(child_path, data, acl)
                created[0] += 1
            import_node(child_path, child)

    import_node(path, parse_tree(text), True)
    return created[0]


def tree_export(job):
    client = connect(job)
    meter = Meter()
    text = export_tree(client, job.path)
    nodes = sum(1 for line in text.splitlines() if line.lstrip().startswith("/"))
    outcome = meter.stop(nodes)
    close(client)
    return outcome


def tree_import(job):
    with open(job.file) as f:
        text = f.read()
    client = connect(job)
    meter = Meter()
    created = import_tree(client, text, job.path)
    outcome = meter.stop(created)
    close(client)
    return outcome


WORKLOADS = {
    "sequential": sequential,
    "pipelined_get": pipelined,
    "pipelined_set": pipelined,
    "parallel": parallel,
    "watch_fanout": watch_fanout,
    "tree_export": tree_export,
    "tree_import": tree_import,
    "connect": connect_close,
    "idle_watches": idle_watches,
}


def main(argv):
    logging.basicConfig(level=logging.WARNING)
    job = Job(argv)
    outcome = WORKLOADS[job.workload](job)
    print("\n" + RESULT_PREFIX + json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
