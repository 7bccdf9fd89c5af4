package io.exactlyonce.model.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Serves a {@link SchemaRegistryClient} (typically an {@link InMemorySchemaRegistry}) over the
 * three Confluent REST endpoints that {@link HttpSchemaRegistryClient} uses, on 127.0.0.1 and an
 * ephemeral port. The embedded local run and the in-JVM tests use it so that the real HTTP client
 * code runs everywhere, not only against a deployed registry. Not a general registry: no
 * compatibility rules, no other endpoints, no versions in the lookup answer (the client interface
 * has none to give).
 */
public final class SchemaRegistryHttpServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    // Confluent's error codes; HttpSchemaRegistryClient relies on 404xx meaning "not found".
    private static final int SCHEMA_NOT_FOUND = 40403;
    private static final int INVALID_SCHEMA = 42201;
    private static final int BACKEND_ERROR = 50001;

    private final SchemaRegistryClient registry;
    private final String pathPrefix;
    private HttpServer server;

    /** The {@code Authorization} header every request must carry, or null for none. */
    private volatile String requiredAuthorization;

    public SchemaRegistryHttpServer(SchemaRegistryClient registry) {
        this(registry, "");
    }

    /**
     * @param pathPrefix served before the endpoints, e.g. {@code /apis/ccompat/v7} as Apicurio
     *     does; empty for none
     */
    public SchemaRegistryHttpServer(SchemaRegistryClient registry, String pathPrefix) {
        this.registry = Objects.requireNonNull(registry, "registry");
        String prefix = Objects.requireNonNull(pathPrefix, "pathPrefix").replaceAll("/+$", "");
        if (!prefix.isEmpty() && !prefix.startsWith("/")) {
            throw new IllegalArgumentException(
                    "Path prefix must start with '/', was '" + pathPrefix + "'");
        }
        this.pathPrefix = prefix;
    }

    /** Binds 127.0.0.1 on a free port and starts serving. Returns {@code this} for chaining. */
    public synchronized SchemaRegistryHttpServer start() {
        if (server != null) {
            throw new IllegalStateException("Already started at " + url());
        }
        try {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not bind the schema registry server", e);
        }
        server.createContext(pathPrefix + "/", this::handle);
        // The default executor handles requests on the dispatcher thread, one at a time: the
        // backing
        // registry answers in microseconds, and there is no pool to leak.
        server.start();
        return this;
    }

    /**
     * From now on answers 401 to every request without HTTP basic auth of {@code user} and {@code
     * password}, as a registry behind basic auth does. Returns {@code this}.
     */
    public SchemaRegistryHttpServer requireBasicAuth(String user, String password) {
        requiredAuthorization =
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /**
     * The base URL to configure clients with, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}.
     */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("Not started");
        }
        InetSocketAddress address = server.getAddress();
        return "http://"
                + address.getAddress().getHostAddress()
                + ":"
                + address.getPort()
                + pathPrefix;
    }

    /**
     * Stops serving at once; clients then fail with {@link SchemaRegistryUnavailableException}.
     * Final.
     */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Response response;
            String required = requiredAuthorization;
            try {
                if (required != null
                        && !required.equals(
                                exchange.getRequestHeaders().getFirst("Authorization"))) {
                    response = Response.error(401, 401, "Unauthorized");
                } else {
                    response = route(exchange);
                }
            } catch (SchemaNotFoundException e) {
                response = Response.error(404, SCHEMA_NOT_FOUND, e.getMessage());
            } catch (MethodNotAllowed e) {
                response = Response.error(405, 405, e.getMessage());
            } catch (SchemaRegistryUnavailableException e) {
                response = Response.error(500, BACKEND_ERROR, e.getMessage());
            } catch (BadRequest | SchemaParseException | SchemaRegistryException e) {
                response = Response.error(422, INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
            } catch (RuntimeException e) {
                response = Response.error(500, BACKEND_ERROR, String.valueOf(e.getMessage()));
            }
            byte[] body = response.body().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .set("Content-Type", HttpSchemaRegistryClient.CONTENT_TYPE);
            exchange.sendResponseHeaders(response.status(), body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private Response route(HttpExchange exchange) throws IOException {
        // Split the raw path so that an encoded '/' inside a subject stays inside its segment.
        String path = exchange.getRequestURI().getRawPath().substring(pathPrefix.length());
        String[] segments = path.split("/", -1);
        String method = exchange.getRequestMethod();

        if (segments.length == 4 && segments[1].equals("schemas") && segments[2].equals("ids")) {
            requireMethod("GET", method);
            Schema schema = registry.schemaById(parseId(segments[3]));
            return Response.ok(JSON.createObjectNode().put("schema", schema.toString()));
        }
        if (segments.length >= 3 && segments[1].equals("subjects") && !segments[2].isEmpty()) {
            String subject = URLDecoder.decode(segments[2], StandardCharsets.UTF_8);
            if (segments.length == 4 && segments[3].equals("versions")) {
                requireMethod("POST", method);
                int id = registry.register(subject, schemaOf(exchange));
                return Response.ok(JSON.createObjectNode().put("id", id));
            }
            if (segments.length == 3) {
                requireMethod("POST", method);
                Schema schema = schemaOf(exchange);
                int id = registry.idOf(subject, schema);
                return Response.ok(
                        JSON.createObjectNode()
                                .put("subject", subject)
                                .put("id", id)
                                .put("schema", schema.toString()));
            }
        }
        return Response.error(404, 404, "HTTP 404 Not Found");
    }

    private static Schema schemaOf(HttpExchange exchange) throws IOException {
        JsonNode request;
        try {
            request = JSON.readTree(exchange.getRequestBody().readAllBytes());
        } catch (JsonProcessingException e) {
            throw new BadRequest("request body is not JSON");
        }
        if (request == null || !request.path("schema").isTextual()) {
            throw new BadRequest("request body lacks a string 'schema'");
        }
        String schemaType = request.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(schemaType)) {
            throw new BadRequest("only AVRO schemas are served, not " + schemaType);
        }
        return new Schema.Parser().parse(request.get("schema").textValue());
    }

    private static int parseId(String segment) {
        try {
            return Integer.parseInt(segment);
        } catch (NumberFormatException e) {
            throw new SchemaNotFoundException("No schema with id '" + segment + "'");
        }
    }

    private static void requireMethod(String expected, String actual) {
        if (!expected.equals(actual)) {
            throw new MethodNotAllowed(actual);
        }
    }

    private record Response(int status, ObjectNode body) {
        static Response ok(ObjectNode body) {
            return new Response(200, body);
        }

        static Response error(int status, int errorCode, String message) {
            return new Response(
                    status,
                    JSON.createObjectNode().put("error_code", errorCode).put("message", message));
        }
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    private static final class MethodNotAllowed extends RuntimeException {
        MethodNotAllowed(String method) {
            super("HTTP 405 Method " + method + " Not Allowed");
        }
    }
}
