package dealhub.relay.observe;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Prometheus text exposition ({@code /observe/metrics}) serves: each family with its type, and the names of
 * the samples it holds, which are the names a query can select.
 */
final class MetricsExposition {

    /** Suffixes of a family's samples, and the types of family that have them. */
    private static final Map<String, List<String>> SUFFIXES = Map.of(
            "_bucket", List.of("histogram", "gaugehistogram"),
            "_sum", List.of("histogram", "summary"),
            "_count", List.of("histogram", "summary"),
            "_total", List.of("counter"));

    private final Map<String, String> types = new HashMap<>();
    private final Set<String> samples = new HashSet<>();

    MetricsExposition(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring("# TYPE ".length()).trim().split("\\s+");
                types.put(parts[0], parts[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                samples.add(line.substring(0, end));
            }
        }
    }

    /**
     * The family a name a query uses belongs to, if the exposition has samples of that name: the name itself for a
     * gauge or a counter ({@code system_cpu_count} is a gauge of its own), the name less {@code _bucket} for a
     * histogram, less {@code _sum} or {@code _count} for a histogram or a summary. A histogram's bare name, or a
     * summary's {@code _bucket}, selects nothing.
     */
    Optional<String> familyOf(String name) {
        if (!samples.contains(name)) {
            return Optional.empty();
        }
        String type = types.get(name);
        if (type != null && !type.equals("histogram") && !type.equals("summary")) {
            return Optional.of(name);
        }
        for (Map.Entry<String, List<String>> suffix : SUFFIXES.entrySet()) {
            if (name.endsWith(suffix.getKey())) {
                String family = name.substring(0, name.length() - suffix.getKey().length());
                if (suffix.getValue().contains(types.get(family))) {
                    return Optional.of(family);
                }
            }
        }
        // a summary's quantiles are samples under its bare name; a sample without a TYPE line is untyped
        return "summary".equals(type) || type == null ? Optional.of(name) : Optional.empty();
    }

    /** The type of a family, e.g. {@code histogram}. */
    String typeOf(String family) {
        return types.get(family);
    }
}
