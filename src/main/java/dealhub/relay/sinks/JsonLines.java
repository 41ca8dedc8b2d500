package dealhub.relay.sinks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * The jsonl sink's writer: each event's document appended to one file as a single line of JSON. The document holds
 * the webhook and the quote as they came, which may span lines; they are copied token by token into one compact
 * line. Each line goes to the file in one write, under a lock per file, so lines from parallel deliveries never
 * interleave.
 */
public class JsonLines {

    /** The exchange property the sink's route sets to its {@code file} option. */
    public static final String FILE = "relayJsonLinesFile";

    private static final JsonFactory JSON = new JsonFactory();

    private final ConcurrentMap<Path, Object> locks = new ConcurrentHashMap<>();

    /** Appends the document as one line (with its newline) to {@code file}, creating the file and its folder. */
    public void append(@Body String document, @ExchangeProperty(FILE) String file) throws IOException {
        ByteBuffer line = ByteBuffer.wrap(oneLine(document));
        Path path = Path.of(file).toAbsolutePath().normalize();
        synchronized (locks.computeIfAbsent(path, p -> new Object())) {
            Path folder = path.getParent();
            if (folder != null && !Files.isDirectory(folder)) {
                Files.createDirectories(folder);
            }
            try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                while (line.hasRemaining()) {
                    out.write(line);
                }
            }
        }
    }

    /** The document re-written without any line break between its tokens, and a newline after it. */
    static byte[] oneLine(String document) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(document.length() + 1);
        try (JsonParser parser = JSON.createParser(document);
             JsonGenerator generator = JSON.createGenerator(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new PermanentDeliveryException("the document is not a JSON object");
            }
            generator.copyCurrentStructure(parser);
            if (parser.nextToken() != null) {
                throw new PermanentDeliveryException("the document has text after its JSON object");
            }
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }
}
