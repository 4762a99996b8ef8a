// Reads a secret from the Latchkey sidecar (or the AWS Secrets Manager Agent) with java.net.http only.
// Run (Java 11+, single-file source): java SidecarClient.java <secretId>
// Environment: LATCHKEY_URL (default http://127.0.0.1:2773) and the agent's token variables
// (AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN; a file:// value names a file).
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class SidecarClient {
    static String readToken() throws IOException {
        for (String name : new String[] {"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
            String value = System.getenv(name);
            if (value == null) continue;
            if (value.startsWith("file://")) return Files.readString(Path.of(value.substring(7))).trim();
            return value;
        }
        throw new IllegalStateException("no token: set AWS_TOKEN (or AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN)");
    }

    /** A top-level string field of the JSON body, unescaped; enough for this example without a JSON library. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? unescape(m.group(1)) : null;
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

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java SidecarClient.java <secretId>");
            System.exit(2);
        }
        String base = System.getenv().getOrDefault("LATCHKEY_URL", "http://127.0.0.1:2773");
        long deadline = System.currentTimeMillis()
                + Long.parseLong(System.getenv().getOrDefault("LATCHKEY_STARTUP_TIMEOUT_MS", "10000"));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(
                        base + "/secretsmanager/get?secretId=" + URLEncoder.encode(args[0], StandardCharsets.UTF_8)))
                .header("X-Aws-Parameters-Secrets-Token", readToken())
                .GET()
                .build();
        // The sidecar may still be starting: retry connection errors and 5xx until the deadline.
        for (long delay = 100; ; delay = Math.min(delay * 2, 2000)) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    String body = response.body();
                    String text = field(body, "SecretString");
                    byte[] value = text != null
                            ? text.getBytes(StandardCharsets.UTF_8)
                            : Base64.getDecoder().decode(field(body, "SecretBinary"));
                    // Use the value; never print it.
                    System.out.println(field(body, "Name") + " " + field(body, "VersionId") + " length=" + value.length);
                    return;
                }
                if (response.statusCode() < 500 || System.currentTimeMillis() > deadline) {
                    System.err.println("sidecar answered " + response.statusCode() + ": " + response.body());
                    System.exit(1);
                }
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("sidecar not reachable at " + base + ": " + e);
                    System.exit(1);
                }
            }
            Thread.sleep(delay);
        }
    }
}
