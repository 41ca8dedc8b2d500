package dealhub.relay.sinks;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;


import freemarker.cache.FileTemplateLoader;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;

/**
 * The sink templates in {@code templates/} (beside {@code routes/}), rendered with FreeMarker. The file's extension
 * decides the escaping: {@code .ftlh} escapes every value for HTML, {@code .ftl} (plain text, JSON) leaves values
 * as they are. A saved template is used from the next delivery on, without a restart.
 */
final class SinkTemplates {

    static final Path FOLDER = Path.of("templates");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private final Configuration freemarker;

    SinkTemplates() {
        freemarker = new Configuration(Configuration.VERSION_2_3_34);
        try {
            freemarker.setTemplateLoader(new FileTemplateLoader(FOLDER.toFile()));
        } catch (IOException e) {
            throw new IllegalArgumentException("the templates folder " + FOLDER.toAbsolutePath() + " is missing", e);
        }
        freemarker.setDefaultEncoding(StandardCharsets.UTF_8.name());
        freemarker.setRecognizeStandardFileExtensions(true);
        freemarker.setTemplateUpdateDelayMilliseconds(1000);
        freemarker.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        freemarker.setLogTemplateExceptions(false);
        // Templates are text with facts in them: they may not create Java objects or reach into Java APIs.
        freemarker.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        freemarker.setAPIBuiltinEnabled(false);
    }

    /** Checks a sink's {@code template} option at start-up: a plain name, and a file of that name and extension. */
    static String checkName(String option, String name, String extension) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(option + " must be a template name (A-Z a-z 0-9 _ -), not '"
                    + name + "'");
        }
        if (!exists(name + extension)) {
            throw new IllegalArgumentException(option + "=" + name + ": there is no "
                    + FOLDER.resolve(name + extension));
        }
        return name;
    }

    static boolean exists(String file) {
        return Files.isRegularFile(FOLDER.resolve(file));
    }

    /** The template's output; a template that fails will fail again, so the delivery is dead with the reason. */
    String render(String file, Map<String, Object> model) {
        StringWriter out = new StringWriter();
        try {
            freemarker.getTemplate(file).process(model, out);
        } catch (TemplateException e) {
            throw new PermanentDeliveryException("template " + file + " line " + e.getLineNumber() + ": "
                    + e.getMessageWithoutStackTop(), e);
        } catch (IOException e) {
            throw new PermanentDeliveryException("template " + file + ": " + e.getMessage(), e);
        }
        return out.toString();
    }
}
