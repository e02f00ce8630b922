package cloudnative;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The seed's Java microservice, on the JDK alone: it answers every path with its
 * name, its version (baked into the jar at build time) and the instance name
 * from the mounted properties file; GET /health answers "ok"; GET /metrics
 * counts what it answered in Prometheus' text format (see {@link Metrics});
 * SIGTERM stops taking connections and lets the requests in flight finish.
 */
public final class JavaService {
    /** The name it answers with: SERVICE_NAME, set by the platform to the name it deployed it as. */
    static final String NAME = env("SERVICE_NAME", "java-service");

    private JavaService() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(env("PORT", "8080"));
        Path config = Path.of(env("CONFIG_FILE", "/config/application.properties"));
        int drainSeconds = Integer.parseInt(env("DRAIN_SECONDS", "20"));
        String version = version();

        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        // A pool, so a slow request does not hold up the others or the health check.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        server.setExecutor(pool);
        Metrics metrics = new Metrics();
        Faults faults = Faults.fromEnv();
        server.createContext("/health", exchange -> logged(exchange, () -> answer(exchange, 200, "text/plain", "ok\n")));
        server.createContext("/metrics", exchange -> logged(exchange,
                () -> answer(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render())));
        server.createContext("/", exchange -> logged(exchange, () -> metrics.measure(exchange, () -> {
            if (faults.fails()) {
                answer(exchange, 503, "text/plain", "injected fault (TEST_ERROR_PERCENT)\n");
                return;
            }
            answer(exchange, 200, "application/json", identity(version, config, exchange.getRequestURI().getPath()));
        })));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // stop() refuses new exchanges and waits up to the delay for the
            // ones in flight; the pool then finishes what it holds.
            server.stop(drainSeconds);
            pool.shutdown();
            try {
                pool.awaitTermination(drainSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println(NAME + " stopped");
        }));
        server.start();
        System.out.println(NAME + " " + version + " listening on :" + server.getAddress().getPort());
    }

    static String env(String key, String fallback) {
        String value = System.getenv(key);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** The version the build wrote into the jar (version.txt), or "dev". */
    static String version() throws IOException {
        try (InputStream in = JavaService.class.getResourceAsStream("/version.txt")) {
            return in == null ? "dev" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    /** Read per request, so a config change shows as soon as the mount has it. */
    static String identity(String version, Path config, String path) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            // No mounted config: answer without the value.
        }
        // Tests set TEST_SLOW_PATH to hold one path's answer for two seconds and
        // show that a stop waits for it; unset, no path is slow.
        if (path.equals(System.getenv("TEST_SLOW_PATH"))) {
            sleep(Duration.ofSeconds(2));
        }
        return "{\"service\":" + quote(NAME) + ",\"version\":" + quote(version)
                + ",\"instance\":" + quote(props.getProperty("instance.name", "")) + ",\"path\":" + quote(path) + "}\n";
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    interface Body {
        void write() throws IOException;
    }

    static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** One log line per request: method, path, status, duration. */
    static void logged(HttpExchange exchange, Body body) throws IOException {
        Instant start = Instant.now();
        try {
            body.write();
        } catch (IOException | RuntimeException e) {
            answer(exchange, 500, "text/plain", e + "\n");
        } finally {
            System.out.println(NAME + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getResponseCode() + " " + Duration.between(start, Instant.now()).toMillis() + "ms");
            exchange.close();
        }
    }
}
