package cloudnative;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The faults a test image is built with (the Go package apps names them):
 * TEST_ERROR_PERCENT of the answers, spread evenly, are 503s, and every answer
 * is held TEST_LATENCY_MS milliseconds first. Unset, the service answers as it is.
 */
record Faults(int errorPercent, Duration latency, AtomicLong served) {
    static Faults fromEnv() {
        return new Faults(Integer.parseInt(JavaService.env("TEST_ERROR_PERCENT", "0")),
                Duration.ofMillis(Long.parseLong(JavaService.env("TEST_LATENCY_MS", "0"))), new AtomicLong());
    }

    /** Holds the answer for the latency, then says whether it is to fail: the same sum as apps.FailsAt. */
    boolean fails() {
        if (!latency.isZero()) {
            JavaService.sleep(latency);
        }
        long n = served.getAndIncrement();
        return (n + 1) * errorPercent / 100 > n * errorPercent / 100;
    }
}
