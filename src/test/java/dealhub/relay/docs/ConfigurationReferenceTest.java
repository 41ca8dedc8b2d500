package dealhub.relay.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docs/configuration.md is the one page that lists every setting. Its sources are the built-in defaults
 * ({@code relay-defaults.properties}) and the parameters each sink kind's route template declares
 * ({@code routes/sink-<kind>.yaml}); these tests fail as soon as either has a key the page does not list, so the
 * page cannot silently fall behind the code. A key counts as listed only as the first cell of a table row,
 * {@code | `key` |}, so a passing mention in prose does not hide a missing entry.
 */
class ConfigurationReferenceTest {

    private static final Path PAGE = Path.of("docs/configuration.md");
    private static final Path DEFAULTS = Path.of("src/main/resources/relay-defaults.properties");
    private static final Path SHIPPED = Path.of("application.properties");
    private static final String SINK_KEY = "relay.sinks.<name>.";
    /** A key, also one commented out as an example: the shipped file shows optional keys that way. */
    private static final Pattern SHIPPED_KEY = Pattern.compile("^#?\\s*((?:relay|dealhub|camel)\\.[A-Za-z0-9._-]+)\\s*=");
    private static final Pattern SINK_NAME = Pattern.compile("^relay\\.sinks\\.[^.]+\\.");

    @Test
    void everyDefaultKeyIsOnTheConfigurationPage() throws IOException {
        Properties defaults = new Properties();
        try (Reader in = Files.newBufferedReader(DEFAULTS, StandardCharsets.UTF_8)) {
            defaults.load(in);
        }
        assertThat(defaults.stringPropertyNames()).as("keys of " + DEFAULTS).isNotEmpty();

        List<String> rows = tableKeys(Files.readAllLines(PAGE));

        assertThat(rows).as("keys of %s listed in %s", DEFAULTS, PAGE).containsAll(defaults.stringPropertyNames());
    }

    @Test
    void everyParameterOfEverySinkKindIsInThatKindsTableOnTheConfigurationPage() throws IOException {
        List<String> page = Files.readAllLines(PAGE);
        List<Path> templates = sinkTemplates();
        assertThat(templates).as("routes/sink-*.yaml").isNotEmpty();

        for (Path template : templates) {
            String kind = template.getFileName().toString().replaceAll("^sink-|\\.yaml$", "");
            List<String> declared = declaredParameters(template);
            assertThat(declared).as("parameters of %s", template).isNotEmpty();

            List<String> listed = tableKeys(section(page, "### `" + kind + "` sinks"));

            assertThat(listed).as("options of %s in the section \"### `%s` sinks\" of %s", template, kind, PAGE)
                    .containsAll(declared.stream().map(p -> SINK_KEY + p).toList());
        }
    }

    @Test
    void everyKeyTheShippedApplicationPropertiesShowsIsDocumented() throws IOException {
        TreeSet<String> keys = new TreeSet<>();
        for (String line : Files.readAllLines(SHIPPED)) {
            Matcher key = SHIPPED_KEY.matcher(line.trim());
            if (key.find()) {
                keys.add(SINK_NAME.matcher(key.group(1)).replaceFirst(SINK_KEY));
            }
        }
        assertThat(keys).as("keys of " + SHIPPED).contains("relay.webhook.secrets", SINK_KEY + "directory");

        StringBuilder docs = new StringBuilder(Files.readString(Path.of("README.md")));
        try (Stream<Path> pages = Files.list(Path.of("docs"))) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                docs.append(Files.readString(page));
            }
        }

        List<String> undocumented = keys.stream().filter(key -> docs.indexOf("`" + key + "`") < 0).toList();

        assertThat(undocumented).as("keys of %s found nowhere in README.md or docs/*.md", SHIPPED).isEmpty();
    }

    /** The keys in the first cell of each table row, {@code | `key` | …}. */
    private static List<String> tableKeys(List<String> lines) {
        Pattern row = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|");
        List<String> keys = new ArrayList<>();
        for (String line : lines) {
            Matcher key = row.matcher(line);
            if (key.find()) {
                keys.add(key.group(1));
            }
        }
        return keys;
    }

    /** The lines under the heading that starts with {@code heading}, up to the next heading. */
    private static List<String> section(List<String> page, String heading) {
        int start = -1;
        for (int i = 0; i < page.size() && start < 0; i++) {
            if (page.get(i).startsWith(heading)) {
                start = i + 1;
            }
        }
        assertThat(start).as("a heading \"%s…\" in %s", heading, PAGE).isPositive();
        int end = start;
        while (end < page.size() && !page.get(end).startsWith("#")) {
            end++;
        }
        return page.subList(start, end);
    }

    private static List<Path> sinkTemplates() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(f -> f.getFileName().toString().matches("sink-.+\\.yaml")).sorted().toList();
        }
    }

    /**
     * The parameters the route template declares, read the way Camel reads the file. {@code name} is left out: it is
     * the {@code <name>} of {@code relay.sinks.<name>.*} itself, which the relay fills in, not an option.
     */
    @SuppressWarnings("unchecked")
    private static List<String> declaredParameters(Path template) throws IOException {
        Object document = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(template));
        List<String> names = new ArrayList<>();
        for (Object item : (List<Object>) document) {
            Map<String, Object> routeTemplate = (Map<String, Object>) ((Map<String, Object>) item).get("routeTemplate");
            if (routeTemplate == null) {
                continue;
            }
            for (Object parameter : (List<Object>) routeTemplate.getOrDefault("parameters", List.of())) {
                Map<String, Object> declared = (Map<String, Object>) parameter;
                assertThat(declared.get("description")).as("description of parameter %s in %s",
                        declared.get("name"), template).isNotNull();
                names.add((String) declared.get("name"));
            }
        }
        names.remove("name");
        return names;
    }
}
