package dealhub.relay.observe;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, read the way PromQL reads them: a word followed by {@code (} is a
 * function or an aggregation, the words after {@code by}, {@code on}, … and inside {@code {…}} are labels, strings,
 * numbers, durations and Grafana's {@code $variables} are none. A {@code {__name__="…"}} selector counts too.
 */
final class PromQlNames {

    /** Words that are PromQL's own where a metric name could stand. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
            "by", "without", "on", "ignoring", "group_left", "group_right",
            // aggregations, which may stand before "by (...)" rather than before their "("
            "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
            "quantile", "limitk", "limit_ratio");
    /** Keywords followed by a list of label names in parentheses. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");
    private static final Pattern NAME_MATCHER = Pattern.compile("__name__\\s*=\\s*\"([^\"]*)\"");

    private PromQlNames() {
    }

    static Set<String> of(String expr) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(expr, i);
            } else if (c == '#') {
                int eol = expr.indexOf('\n', i);
                i = eol < 0 ? expr.length() : eol;
            } else if (c == '{') {
                int end = closing(expr, i, '{', '}');
                Matcher m = NAME_MATCHER.matcher(expr.substring(i, end));
                while (m.find()) {
                    names.add(m.group(1));
                }
                i = end;
            } else if (c == '[') {
                i = closing(expr, i, '[', ']'); // a range or subquery: durations or $__rate_interval
            } else if (c == '$') {
                i = expr.startsWith("${", i) ? expr.indexOf('}', i) + 1 : afterWord(expr, i + 1);
            } else if (Character.isDigit(c) || c == '.') {
                i = afterNumber(expr, i); // 0.95, 5m, 1e3, 0x1f
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int end = afterWord(expr, i);
                String word = expr.substring(i, end);
                int next = skipSpaces(expr, end);
                boolean call = next < expr.length() && expr.charAt(next) == '(';
                if (call && LABEL_LISTS.contains(word)) {
                    i = closing(expr, next, '(', ')');
                    continue;
                }
                if (!call && !KEYWORDS.contains(word)) {
                    names.add(word);
                }
                i = end;
            } else {
                i++;
            }
        }
        return names;
    }

    private static int afterWord(String s, int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
            i++;
        }
        return i;
    }

    private static int afterNumber(String s, int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.'
                || ((s.charAt(i) == '+' || s.charAt(i) == '-') && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')))) {
            i++;
        }
        return i;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Just after the quote that ends the string opening at {@code i}. */
    private static int afterString(String s, int i) {
        char quote = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            if (s.charAt(j) == '\\' && quote != '`') {
                j++;
            } else if (s.charAt(j) == quote) {
                return j + 1;
            }
        }
        throw new IllegalArgumentException("a string is not closed in: " + s);
    }

    /** Just after the bracket that closes the one at {@code i}, strings inside skipped. */
    private static int closing(String s, int i, char open, char close) {
        int depth = 0;
        for (int j = i; j < s.length();) {
            char c = s.charAt(j);
            if (c == '"' || c == '\'' || c == '`') {
                j = afterString(s, j);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return j + 1;
            }
            j++;
        }
        throw new IllegalArgumentException("'" + open + "' is not closed in: " + s);
    }
}
