package io.exactlyonce.model.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;

/**
 * A {@link SchemaRegistryClient} speaking the Confluent Schema Registry REST API, which Confluent's
 * registry, Apicurio's {@code /apis/ccompat/v7} and others serve. Uses three endpoints:
 *
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} to register,
 *   <li>{@code POST /subjects/{subject}} to look a schema up without registering it,
 *   <li>{@code GET /schemas/ids/{id}} to fetch a schema by id.
 * </ul>
 *
 * <p>The base URL may carry a path prefix, e.g. {@code http://registry:8080/apis/ccompat/v7}.
 * Answers are cached: ids by (subject, schema), and schemas by id forever, since a registry never
 * reuses an id.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = CONTENT_TYPE + ", application/json; q=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final Duration timeout;
    private final HttpClient http;

    /** {@code Basic ...} header value, or null without credentials; never printed. */
    private final String authorization;

    private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema =
            new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    private static final Set<Integer> NOT_ABOUT_THE_REQUEST = Set.of(401, 403, 404, 405, 407);

    /** The registry understood the request and refused it with an error code of its own. */
    private static final class RequestRejectedException extends SchemaRegistryException {
        RequestRejectedException(String message) {
            super(message);
        }
    }

    /** Schema text rather than Schema as key: Schema#equals ignores docs, the registry does not. */
    private record SubjectSchema(String subject, String schemaText) {}

    public HttpSchemaRegistryClient(String baseUrl) {
        this(baseUrl, DEFAULT_TIMEOUT);
    }

    /**
     * @param baseUrl the registry's URL, with any path prefix, e.g. {@code http://localhost:8081}
     * @param timeout bounds both connecting and each request's whole exchange
     */
    public HttpSchemaRegistryClient(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, null);
    }

    /**
     * @param basicAuthUserInfo {@code user:password} sent with every request as HTTP basic auth;
     *     null for none
     */
    public HttpSchemaRegistryClient(String baseUrl, Duration timeout, String basicAuthUserInfo) {
        this.authorization =
                basicAuthUserInfo == null
                        ? null
                        : "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
        this.baseUrl = normalize(baseUrl);
        this.timeout = requirePositive(timeout);
        this.http =
                HttpClient.newBuilder()
                        // Registries speak HTTP/1.1; pinning it skips an h2c upgrade attempt on
                        // each new connection.
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .build();
    }

    @Override
    public int register(String subject, Schema schema) {
        int id = idFromRegistry(subject, schema, "/versions", "register");
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return idFromRegistry(subject, schema, "", "look up");
    }

    /**
     * The id of {@code schema} under {@code subject}: from the cache, or from a POST of the schema
     * to the subject's path plus {@code pathSuffix} (register or look up, as {@code action} says).
     */
    private int idFromRegistry(String subject, Schema schema, String pathSuffix, String action) {
        SubjectSchema key =
                new SubjectSchema(Objects.requireNonNull(subject, "subject"), schema.toString());
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer =
                send(
                        post(subjectPath(subject) + pathSuffix, key.schemaText()),
                        action
                                + " schema "
                                + schema.getFullName()
                                + " under subject '"
                                + subject
                                + "'");
        int id = requiredInt(answer, "id");
        idsBySubjectSchema.put(key, id);
        return id;
    }

    /**
     * @throws UnusableSchemaException if the id's schema is not Avro, does not parse, or the
     *     registry answered a 4xx about the id other than "not found"
     */
    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String action = "fetch schema id " + id;
        JsonNode answer;
        try {
            answer = send(request("/schemas/ids/" + id).GET().build(), action);
        } catch (RequestRejectedException e) {
            throw new UnusableSchemaException(e.getMessage(), e);
        }
        String schemaType = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(schemaType)) {
            throw new UnusableSchemaException(
                    "Could not " + action + ": it is a " + schemaType + " schema, not Avro");
        }
        JsonNode schemaText = answer.get("schema");
        if (schemaText == null || !schemaText.isTextual()) {
            throw new UnusableSchemaException(
                    "Could not "
                            + action
                            + ": the answer lacks a string 'schema': "
                            + abbreviate(answer.toString()));
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(schemaText.textValue());
        } catch (RuntimeException e) {
            // SchemaParseException, AvroTypeException for a default that does not match its type,
            // UnsupportedOperationException for a fixed size beyond a Java array: all about this id
            // alone.
            throw new UnusableSchemaException(
                    "Could not "
                            + action
                            + ": the registry returned an invalid Avro schema: "
                            + e.getMessage(),
                    e);
        }
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistryClient[" + baseUrl + "]";
    }

    private HttpRequest post(String path, String schemaText) {
        ObjectNode body =
                JSON.createObjectNode().put("schema", schemaText).put("schemaType", "AVRO");
        return request(path)
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(baseUrl + path))
                        .timeout(timeout)
                        .header("Accept", ACCEPT);
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private JsonNode send(HttpRequest request, String action) {
        HttpResponse<String> response;
        try {
            response =
                    http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException(
                    "Could not "
                            + action
                            + ": "
                            + request.method()
                            + " "
                            + request.uri()
                            + " failed: "
                            + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException(
                    "Interrupted while trying to " + action, e);
        }
        int status = response.statusCode();
        JsonNode body = parseOrNull(response.body());
        if (status >= 200 && status < 300) {
            if (body == null) {
                throw new SchemaRegistryException(
                        "Could not " + action + ": the answer is not JSON: " + response.body());
            }
            return body;
        }
        String failure =
                "Could not "
                        + action
                        + ": "
                        + request.method()
                        + " "
                        + request.uri()
                        + " answered "
                        + status
                        + describeError(body, response.body())
                        + credentialsHint(status);
        // Only a registry error code (40401 subject, 40402 version, 40403 schema not found) means
        // "not
        // found"; a bare 404 is a wrong base URL, and must not turn every record into a poison
        // record.
        if (status == 404 && body != null && body.path("error_code").asInt() / 100 == 404) {
            throw new SchemaNotFoundException(failure);
        }
        if (status >= 500 || status == 408 || status == 429) {
            throw new SchemaRegistryUnavailableException(failure);
        }
        // A 4xx with a registry error code is about the request itself (e.g. 422 invalid). Without
        // one, or
        // as 401/403/404/405/407, it says the URL or the credentials are wrong, which no record can
        // fix.
        if (status >= 400
                && status < 500
                && !NOT_ABOUT_THE_REQUEST.contains(status)
                && body != null
                && body.path("error_code").canConvertToInt()) {
            throw new RequestRejectedException(failure);
        }
        throw new SchemaRegistryException(failure);
    }

    private String credentialsHint(int status) {
        if (status != 401 && status != 403) {
            return "";
        }
        return authorization == null
                ? "; the registry wants credentials: set basic.auth.user.info"
                : "; the registry refused the credentials given in basic.auth.user.info";
    }

    private static JsonNode parseOrNull(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String describeError(JsonNode body, String rawBody) {
        if (body != null && body.hasNonNull("message")) {
            return " (error_code "
                    + body.path("error_code").asText("?")
                    + ": "
                    + body.get("message").asText()
                    + ")";
        }
        return rawBody.isBlank() ? "" : " (" + abbreviate(rawBody) + ")";
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException(
                    "Registry answer lacks an integer '" + field + "': " + answer);
        }
        return value.intValue();
    }

    private static String subjectPath(String subject) {
        // URLEncoder form-encodes a space as '+', which a path would read literally.
        return "/subjects/"
                + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String normalize(String baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String trimmed = baseUrl.strip().replaceAll("/+$", "");
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Not a valid schema registry URL: '" + baseUrl + "'", e);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(
                    "Not a valid schema registry URL: it carries credentials;"
                            + " give them as basic.auth.user.info instead");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "Not a valid schema registry URL: '"
                            + baseUrl
                            + "' (expected http(s)://host[:port][/prefix])");
        }
        return trimmed;
    }

    private static Duration requirePositive(Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(
                    "Schema registry timeout must be positive, was " + timeout);
        }
        return timeout;
    }
}
