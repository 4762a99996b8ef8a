// A database client that keeps working through secret rotations: java.net.http for the sidecar, JDBC for the
// database (chosen by the secret's "engine"). It opens a connection per query, the worst case for a rotation.
// Run as a single-file source (Java 11+) with Debian's JDBC drivers (libpostgresql-jdbc-java, libmariadb-java):
//
//   DB_SECRET_ID=prod/db AWS_TOKEN=file:///var/run/latchkey/token \
//     java -cp /usr/share/java/postgresql.jar:/usr/share/java/mariadb-java-client.jar DbClient.java
//
// Environment (the names of the sidecar's Kubernetes and ECS manifests): SECRETS_URL (default
// http://127.0.0.1:2773); AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN (file:///path names a
// file holding it); DB_SECRET_ID; QUERY_INTERVAL_MS (default 1000); SIDECAR_WAIT_SECONDS (default 30).
// Prints one line per query and per retry; never a secret value.
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DbClient {
    static final String URL = System.getenv().getOrDefault("SECRETS_URL", "http://127.0.0.1:2773");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final long[] BACKOFFS_MS = {0, 200, 500, 1000};

    /** The sidecar did not answer (yet), or answered 5xx. */
    static class SidecarUnreachable extends IOException {
        SidecarUnreachable(String message) { super(message); }
    }

    /** One version of the database secret. */
    record Secret(String versionId, String json) {
        String get(String name, String fallback) {
            String value = field(json, name);
            return value == null || value.isEmpty() ? fallback : value;
        }
    }

    static String readToken() throws IOException {
        for (String name : new String[] {"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
            String value = System.getenv(name);
            if (value == null || value.isEmpty()) continue;
            if (value.startsWith("file://")) return Files.readString(Path.of(value.substring(7))).trim();
            return value;
        }
        throw new IllegalStateException("set AWS_TOKEN (or AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN) to the sidecar token");
    }

    /** A top-level string or number field of a JSON object; enough for this example without a JSON library. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(-?[0-9]+))")
                .matcher(json);
        if (!m.find()) return null;
        return m.group(1) != null ? unescape(m.group(1)) : m.group(2);
    }

    static String unescape(String escaped) {
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = escaped.charAt(++i);
            switch (next) {
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    out.append((char) Integer.parseInt(escaped.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(next); // \" \\ \/
            }
        }
        return out.toString();
    }

    /** GET /secretsmanager/get with extra parameters ("&name=value..."). */
    static Secret getSecret(String secretId, String extra) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(URL + "/secretsmanager/get?secretId="
                        + URLEncoder.encode(secretId, StandardCharsets.UTF_8) + extra))
                .header("X-Aws-Parameters-Secrets-Token", readToken())
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SidecarUnreachable("sidecar not reachable at " + URL + ": " + e);
        }
        String body = response.body();
        if (response.statusCode() >= 500) throw new SidecarUnreachable("sidecar answered " + response.statusCode() + ": " + body);
        if (response.statusCode() != 200) throw new IOException("sidecar answered " + response.statusCode() + ": " + body);
        return new Secret(field(body, "VersionId"), field(body, "SecretString"));
    }

    /** Connects with the secret's credentials, runs SELECT 1, disconnects. */
    static void runQuery(Secret secret) throws SQLException {
        String engine = secret.get("engine", "");
        String host = secret.get("host", "127.0.0.1");
        String url = switch (engine) {
            case "postgres", "aurora-postgresql" -> "jdbc:postgresql://" + host + ":" + secret.get("port", "5432")
                    + "/" + secret.get("dbname", "postgres");
            case "mysql", "mariadb", "aurora-mysql" -> "jdbc:mariadb://" + host + ":" + secret.get("port", "3306")
                    + "/" + secret.get("dbname", "");
            default -> throw new SQLException("unsupported engine '" + engine + "' in the secret");
        };
        Properties properties = new Properties();
        properties.setProperty("user", secret.get("username", ""));
        properties.setProperty("password", secret.get("password", ""));
        try (Connection connection = DriverManager.getConnection(url, properties);
                Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT 1").close();
        }
    }

    /** SQLSTATE class 28: PostgreSQL 28P01 and MariaDB 1045 (28000) when the server refuses the credentials. */
    static boolean loginRefused(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("28");
    }

    /**
     * The rotation-safe pattern after a refused login: ask for AWSPENDING (a single-user rotation is between
     * setSecret and finishSecret, when only the pending password logs in); if there is none, or it is the refused
     * version, ask for AWSCURRENT with refreshNow=true (a rotation has finished); then back off briefly and do both
     * again. Returns the credentials that worked.
     */
    static Secret recover(String secretId, Secret refused) throws Exception {
        int retry = 0;
        Exception last = null;
        for (long backoff : BACKOFFS_MS) {
            Thread.sleep(backoff);
            for (String extra : new String[] {"&refreshNow=true&versionStage=AWSPENDING", "&refreshNow=true"}) {
                retry++;
                System.out.printf("login refused (version %.8s): retry %d, %s%n", refused.versionId(), retry,
                        extra.substring(1).replace('&', ' '));
                Secret candidate;
                try {
                    candidate = getSecret(secretId, extra);
                } catch (IOException e) {
                    last = e;
                    continue;
                }
                if (candidate.versionId().equals(refused.versionId())) continue;
                try {
                    runQuery(candidate);
                    return candidate;
                } catch (SQLException e) {
                    if (!loginRefused(e)) throw e;
                    last = e;
                }
            }
        }
        throw last != null ? last : new SQLException("no version of the secret logs in");
    }

    public static void main(String[] args) throws Exception {
        String secretId = System.getenv("DB_SECRET_ID");
        if (secretId == null || secretId.isEmpty()) {
            System.err.println("set DB_SECRET_ID to the database secret's name or ARN");
            System.exit(2);
        }
        long interval = Long.parseLong(System.getenv().getOrDefault("QUERY_INTERVAL_MS", "1000"));
        long waitSeconds = Long.parseLong(System.getenv().getOrDefault("SIDECAR_WAIT_SECONDS", "30"));
        DriverManager.setLoginTimeout(5);
        // Start-up: the sidecar may still be starting; wait for it, bounded.
        long deadline = System.currentTimeMillis() + waitSeconds * 1000;
        Secret secret;
        for (;;) {
            try {
                secret = getSecret(secretId, "");
                break;
            } catch (SidecarUnreachable e) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.printf("the sidecar at %s did not answer within %d s (is it running? set SECRETS_URL)%n",
                            URL, waitSeconds);
                    System.exit(1);
                }
                Thread.sleep(200);
            } catch (IOException e) {
                System.err.println(e.getMessage());
                System.exit(1);
                return;
            }
        }
        System.out.printf("reading %s from %s (%s at %s)%n", secretId, URL, secret.get("engine", ""), secret.get("host", ""));
        for (;;) {
            long started = System.nanoTime();
            try {
                try {
                    runQuery(secret);
                } catch (SQLException e) {
                    if (!loginRefused(e)) throw e;
                    secret = recover(secretId, secret);
                }
                System.out.printf("query ok in %d ms (version %.8s)%n", (System.nanoTime() - started) / 1_000_000,
                        secret.versionId());
            } catch (Exception e) {
                System.out.println("query failed: " + e.getMessage());
            }
            Thread.sleep(interval);
        }
    }
}
