package cloudnative;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request metrics every sample service serves (the names and buckets of
 * the Go package apps, which a Go test holds this class to), written by hand
 * in Prometheus' text format since the service uses the JDK alone: a counter
 * of answers by status code and a histogram of their durations in seconds.
 */
final class Metrics {
    static final String REQUESTS = "http_requests_total";
    static final String DURATION = "http_request_duration_seconds";
    /** Upper bounds in seconds, Prometheus' client libraries' defaults. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final Map<Integer, LongAdder> byCode = new ConcurrentHashMap<>();
    /** Per bound, the answers that took at most that long (not cumulative yet). */
    private final AtomicLongArray inBucket = new AtomicLongArray(BUCKETS.length + 1);
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    /** Runs body and counts its answer's status and duration. */
    void measure(HttpExchange exchange, JavaService.Body body) throws IOException {
        long start = System.nanoTime();
        try {
            body.write();
        } finally {
            observe(exchange.getResponseCode(), (System.nanoTime() - start) / 1e9);
        }
    }

    void observe(int code, double seconds) {
        byCode.computeIfAbsent(code, c -> new LongAdder()).increment();
        int i = 0;
        while (i < BUCKETS.length && seconds > BUCKETS[i]) {
            i++;
        }
        inBucket.incrementAndGet(i);
        sum.add(seconds);
        count.increment();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP ").append(REQUESTS).append(" Requests the service answered, by status code.\n");
        out.append("# TYPE ").append(REQUESTS).append(" counter\n");
        new TreeMap<>(byCode).forEach((code, n) ->
                out.append(REQUESTS).append("{code=\"").append(code).append("\"} ").append(n.sum()).append('\n'));
        out.append("# HELP ").append(DURATION).append(" How long the service took to answer, in seconds.\n");
        out.append("# TYPE ").append(DURATION).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i <= BUCKETS.length; i++) {
            cumulative += inBucket.get(i);
            String bound = i < BUCKETS.length ? Double.toString(BUCKETS[i]) : "+Inf";
            out.append(DURATION).append("_bucket{le=\"").append(bound).append("\"} ").append(cumulative).append('\n');
        }
        out.append(DURATION).append("_sum ").append(sum.sum()).append('\n');
        out.append(DURATION).append("_count ").append(count.sum()).append('\n');
        return out.toString();
    }
}
