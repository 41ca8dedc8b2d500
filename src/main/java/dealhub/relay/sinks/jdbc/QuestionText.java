package dealhub.relay.sinks.jdbc;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jsoup.Jsoup;

/**
 * The words of a question's HTML, as DealHub's editor wrote it. jsoup parses it as a browser would (entities, broken
 * tags, a lone "<" in "a < b"), which a regular expression does not; but a parse is costly (a document and a
 * reader's buffer each time: a twentieth of the relay's CPU in a backfill) while a quote's questions are those of its
 * questionnaire, the same on every quote. So each distinct text is parsed once, and the most recently used are kept.
 */
final class QuestionText {

    /** Questions kept: far more than one company's questionnaires hold, and at most a few megabytes. */
    private static final int KEPT = 2_000;
    /** Longer texts are parsed every time rather than kept. */
    private static final int LONGEST_KEPT = 2_000;

    private static final Map<String, String> WORDS = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > KEPT;
        }
    };

    private QuestionText() {
    }

    static String of(String html) {
        if (html == null) {
            return null;
        }
        if (html.length() > LONGEST_KEPT) {
            return Jsoup.parse(html).text();
        }
        synchronized (WORDS) {
            String words = WORDS.get(html);
            if (words != null) {
                return words;
            }
        }
        String words = Jsoup.parse(html).text();
        synchronized (WORDS) {
            WORDS.put(html, words);
        }
        return words;
    }
}
