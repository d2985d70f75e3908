// The Java side of zookit's benchmark (crates/zookit-bench): runs one job,
// given as key=value arguments (see src/job.rs), with Apache ZooKeeper's own
// client, and prints one line: ZOOKIT_BENCH_RESULT followed by the outcome as
// JSON (operations, wall time and this process's CPU time over the measured
// part; resident memory for the idle client).
//
// Pipelining uses the asynchronous API (callbacks, a semaphore for the
// window); everything else the synchronous one. Every workload runs a warm-up
// first (the harness sizes it) so that the measured part runs JIT-compiled.

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class Driver {
    static final String RESULT_PREFIX = "ZOOKIT_BENCH_RESULT ";
    static final int SESSION_TIMEOUT_MS = 10_000;
    static final int ARM_WINDOW = 500;

    final Map<String, String> args = new HashMap<>();
    final byte[] value;

    Driver(String[] argv) {
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            args.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        value = new byte[(int) n("value_size")];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
    }

    String s(String key) {
        return args.getOrDefault(key, "");
    }

    long n(String key) {
        return Long.parseLong(args.getOrDefault(key, "0"));
    }

    String dataPath(long i) {
        return String.format(Locale.ROOT, "%s/n%05d", s("path"), i % Math.max(n("nodes"), 1));
    }

    List<String> dataPaths(long count) {
        List<String> paths = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            paths.add(dataPath(i));
        }
        return paths;
    }

    // ---- measuring ----

    /**
     * The process's CPU time: every thread, the JVM's own included. Linux's
     * JVM reads it in clock ticks (10 ms), so it is used over measured parts
     * of a second or more.
     */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The CPU time of the live Java threads, to the nanosecond: for the
     * watch fan-out's short rounds, during which no thread starts or ends
     * (the JVM's GC and JIT threads are not counted).
     */
    static long threadsCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long id : threads.getAllThreadIds()) {
            total += Math.max(threads.getThreadCpuTime(id), 0);
        }
        return total;
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static final class Outcome {
        long ops;
        double elapsedS;
        double cpuS;
        long rssKb = -1;
        long baseRssKb = -1;
        String latency = "";

        void add(Outcome other) {
            ops += other.ops;
            elapsedS += other.elapsedS;
            cpuS += other.cpuS;
        }

        String json() {
            String memory = rssKb < 0 ? "" : String.format(Locale.ROOT, ",\"rss_kb\":%d,\"base_rss_kb\":%d", rssKb, baseRssKb);
            return String.format(Locale.ROOT, "{\"ops\":%d,\"elapsed_s\":%.9f,\"cpu_s\":%.9f%s%s}", ops, elapsedS, cpuS, memory, latency);
        }
    }

    static class Meter {
        final long start = System.nanoTime();
        final long cpu = cpu();

        long cpu() {
            return cpuNanos();
        }

        Outcome stop(long ops) {
            long cpuNow = cpu();
            Outcome outcome = new Outcome();
            outcome.ops = ops;
            outcome.elapsedS = (System.nanoTime() - start) / 1e9;
            outcome.cpuS = (cpuNow - cpu) / 1e9;
            return outcome;
        }
    }

    /** A meter of the live Java threads' CPU time (see threadsCpuNanos). */
    static final class ThreadsMeter extends Meter {
        @Override
        long cpu() {
            return threadsCpuNanos();
        }
    }

    // ---- sessions ----

    ZooKeeper connect() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(s("hosts"), SESSION_TIMEOUT_MS, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(15, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("no session within 15 s");
        }
        return zk;
    }

    // ---- sequential ----

    void crud(ZooKeeper zk, String prefix, long count) throws Exception {
        List<String> paths = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            paths.add(s("path") + "/" + prefix + i);
        }
        for (String path : paths) {
            zk.create(path, value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        for (String path : paths) {
            zk.getData(path, false, null);
        }
        for (String path : paths) {
            zk.setData(path, value, -1);
        }
        for (String path : paths) {
            zk.delete(path, -1);
        }
    }

    Outcome sequential() throws Exception {
        ZooKeeper zk = connect();
        crud(zk, "w", n("warmup"));
        Meter meter = new Meter();
        crud(zk, "n", n("count"));
        Outcome outcome = meter.stop(4 * n("count"));
        zk.close();
        return outcome;
    }

    // ---- pipelined, with the asynchronous API ----

    void pipeline(ZooKeeper zk, List<String> paths, long count, boolean set) throws Exception {
        Semaphore window = new Semaphore((int) Math.max(n("window"), 1));
        CountDownLatch done = new CountDownLatch((int) count);
        AtomicReference<KeeperException.Code> error = new AtomicReference<>();
        AsyncCallback.StatCallback setDone = (rc, path, ctx, stat) -> {
            if (rc != 0) {
                error.compareAndSet(null, KeeperException.Code.get(rc));
            }
            window.release();
            done.countDown();
        };
        AsyncCallback.DataCallback getDone = (rc, path, ctx, data, stat) -> {
            if (rc != 0) {
                error.compareAndSet(null, KeeperException.Code.get(rc));
            }
            window.release();
            done.countDown();
        };
        int size = paths.size();
        for (long i = 0; i < count; i++) {
            window.acquire();
            String path = paths.get((int) (i % size));
            if (set) {
                zk.setData(path, value, -1, setDone, null);
            } else {
                zk.getData(path, false, getDone, null);
            }
        }
        done.await();
        if (error.get() != null) {
            throw KeeperException.create(error.get());
        }
    }

    Outcome pipelined() throws Exception {
        ZooKeeper zk = connect();
        List<String> paths = dataPaths(n("nodes"));
        boolean set = s("workload").equals("pipelined_set");
        pipeline(zk, paths, n("warmup"), set);
        Meter meter = new Meter();
        pipeline(zk, paths, n("count"), set);
        Outcome outcome = meter.stop(n("count"));
        zk.close();
        return outcome;
    }

    // ---- latency: each pipelined request timed, issue to reply ----

    /**
     * The latencies in nanos as the JSON fields the harness reads: every one
     * in microseconds (rounded), and their percentiles by nearest rank (the q
     * quantile at index ceil(q * n) - 1, as src/latency.rs computes them).
     */
    static String latencyJson(long[] nanos) {
        StringBuilder all = new StringBuilder(",\"latencies_us\":[");
        for (int i = 0; i < nanos.length; i++) {
            all.append(i == 0 ? "" : ",").append((nanos[i] + 500) / 1000);
        }
        all.append(']');
        Arrays.sort(nanos);
        int n = nanos.length;
        double[] us = new double[3];
        double[] qs = {0.5, 0.99, 0.999};
        for (int k = 0; k < 3; k++) {
            int rank = (int) Math.ceil(qs[k] * n);
            us[k] = nanos[Math.min(Math.max(rank, 1), n) - 1] / 1e3;
        }
        return String.format(Locale.ROOT, ",\"latency\":{\"p50_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f}",
                us[0], us[1], us[2], nanos[n - 1] / 1e3) + all;
    }

    /** count requests, window in flight; each one's latency in nanoseconds. */
    long[] timedPipeline(ZooKeeper zk, List<String> paths, int count, boolean set) throws Exception {
        Semaphore window = new Semaphore((int) Math.max(n("window"), 1));
        CountDownLatch done = new CountDownLatch(count);
        AtomicReference<KeeperException.Code> error = new AtomicReference<>();
        long[] issued = new long[count];
        long[] took = new long[count];
        AsyncCallback.StatCallback setDone = (rc, path, ctx, stat) -> {
            int i = (Integer) ctx;
            took[i] = System.nanoTime() - issued[i];
            if (rc != 0) {
                error.compareAndSet(null, KeeperException.Code.get(rc));
            }
            window.release();
            done.countDown();
        };
        AsyncCallback.DataCallback getDone = (rc, path, ctx, data, stat) -> {
            int i = (Integer) ctx;
            took[i] = System.nanoTime() - issued[i];
            if (rc != 0) {
                error.compareAndSet(null, KeeperException.Code.get(rc));
            }
            window.release();
            done.countDown();
        };
        int size = paths.size();
        for (int i = 0; i < count; i++) {
            window.acquire();
            String path = paths.get(i % size);
            issued[i] = System.nanoTime();
            if (set) {
                zk.setData(path, value, -1, setDone, i);
            } else {
                zk.getData(path, false, getDone, i);
            }
        }
        done.await();
        if (error.get() != null) {
            throw KeeperException.create(error.get());
        }
        return took;
    }

    Outcome latency() throws Exception {
        ZooKeeper zk = connect();
        List<String> paths = dataPaths(n("nodes"));
        boolean set = s("workload").equals("latency_set");
        timedPipeline(zk, paths, (int) n("warmup"), set);
        Meter meter = new Meter();
        long[] took = timedPipeline(zk, paths, (int) n("count"), set);
        Outcome outcome = meter.stop(n("count"));
        outcome.latency = latencyJson(took);
        zk.close();
        return outcome;
    }

    // ---- parallel sessions, with threads ----

    void runSessions(List<ZooKeeper> sessions, long first, long count) throws Exception {
        AtomicReference<Exception> error = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long nodes = Math.max(n("nodes"), 1);
        for (int s = 0; s < sessions.size(); s++) {
            ZooKeeper zk = sessions.get(s);
            long session = s;
            Thread thread = new Thread(() -> {
                try {
                    for (long j = first; j < first + count; j++) {
                        String path = dataPath((session * 7919 + j * 31) % nodes);
                        if (j % 10 == 9) {
                            zk.setData(path, value, -1);
                        } else {
                            zk.getData(path, false, null);
                        }
                    }
                } catch (Exception e) {
                    error.compareAndSet(null, e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (error.get() != null) {
            throw error.get();
        }
    }

    Outcome parallel() throws Exception {
        List<ZooKeeper> sessions = new ArrayList<>();
        for (long i = 0; i < n("sessions"); i++) {
            sessions.add(connect());
        }
        runSessions(sessions, 0, n("warmup"));
        Meter meter = new Meter();
        runSessions(sessions, n("warmup"), n("count"));
        Outcome outcome = meter.stop(n("sessions") * n("count"));
        for (ZooKeeper zk : sessions) {
            zk.close();
        }
        return outcome;
    }

    // ---- watches ----

    /** A one-shot data watch on every path, many requests in flight. */
    static void arm(ZooKeeper zk, List<String> paths, Watcher watcher) throws Exception {
        Semaphore window = new Semaphore(ARM_WINDOW);
        CountDownLatch done = new CountDownLatch(paths.size());
        AtomicReference<KeeperException.Code> error = new AtomicReference<>();
        for (String path : paths) {
            window.acquire();
            zk.getData(path, watcher, (rc, p, ctx, data, stat) -> {
                if (rc != 0) {
                    error.compareAndSet(null, KeeperException.Code.get(rc));
                }
                window.release();
                done.countDown();
            }, null);
        }
        done.await();
        if (error.get() != null) {
            throw KeeperException.create(error.get());
        }
    }

    Outcome watchFanout() throws Exception {
        ZooKeeper watcherSession = connect();
        ZooKeeper writer = connect();
        List<String> paths = dataPaths(n("count"));
        List<Op> writes = new ArrayList<>();
        for (String path : paths) {
            writes.add(Op.setData(path, value, -1));
        }
        Outcome total = new Outcome();
        for (long round = 0; round < n("warmup") + n("rounds"); round++) {
            CountDownLatch delivered = new CountDownLatch(paths.size());
            Watcher watcher = (WatchedEvent event) -> {
                if (event.getType() == Watcher.Event.EventType.NodeDataChanged) {
                    delivered.countDown();
                }
            };
            arm(watcherSession, paths, watcher);
            Meter meter = new ThreadsMeter();
            writer.multi(writes);
            if (!delivered.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(delivered.getCount() + " watch events missing");
            }
            Outcome outcome = meter.stop(paths.size());
            if (round >= n("warmup")) {
                total.add(outcome);
            }
        }
        watcherSession.close();
        writer.close();
        return total;
    }

    Outcome idleWatches() throws Exception {
        long base = rssKb();
        ZooKeeper zk = connect();
        Meter meter = new Meter();
        arm(zk, dataPaths(n("count")), event -> { });
        Outcome outcome = meter.stop(n("count"));
        Thread.sleep(500);
        outcome.rssKb = rssKb();
        outcome.baseRssKb = base;
        zk.close();
        return outcome;
    }

    // ---- connect + close ----

    Outcome connectClose() throws Exception {
        for (long i = 0; i < n("warmup"); i++) {
            connect().close();
        }
        Meter meter = new Meter();
        for (long i = 0; i < n("count"); i++) {
            connect().close();
        }
        return meter.stop(n("count"));
    }

    Outcome run() throws Exception {
        switch (s("workload")) {
            case "sequential":
                return sequential();
            case "pipelined_get":
            case "pipelined_set":
                return pipelined();
            case "latency_get":
            case "latency_set":
                return latency();
            case "parallel":
                return parallel();
            case "watch_fanout":
                return watchFanout();
            case "connect":
                return connectClose();
            case "idle_watches":
                return idleWatches();
            default:
                throw new IllegalArgumentException("the Java driver does not run " + s("workload"));
        }
    }

    public static void main(String[] argv) throws Exception {
        Outcome outcome = new Driver(argv).run();
        System.out.println();
        System.out.println(RESULT_PREFIX + outcome.json());
        System.out.flush();
        System.exit(0);
    }
}
