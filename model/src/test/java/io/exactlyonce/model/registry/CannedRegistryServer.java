package io.exactlyonce.model.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An HTTP server giving fixed answers to {@code GET /schemas/ids/{id}}: the answers a real registry
 * can give for an id that {@link SchemaRegistryHttpServer} cannot produce (a Protobuf or JSON
 * schema, an unparsable schema, an arbitrary 4xx or 5xx). Ids without an answer get Confluent's
 * 40403.
 */
public final class CannedRegistryServer implements AutoCloseable {

    private record Answer(int status, String body) {}

    private final Map<Integer, Answer> answersById = new ConcurrentHashMap<>();
    private final HttpServer server;

    public CannedRegistryServer() {
        try {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers {@code GET /schemas/ids/{id}} with this status and body from now on. */
    public CannedRegistryServer answer(int id, int status, String body) {
        answersById.put(id, new Answer(status, body));
        return this;
    }

    public String url() {
        InetSocketAddress address = server.getAddress();
        return "http://" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Answer answer = null;
            if (path.startsWith("/schemas/ids/")) {
                answer =
                        answersById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            }
            if (answer == null) {
                answer = new Answer(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .set("Content-Type", HttpSchemaRegistryClient.CONTENT_TYPE);
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
