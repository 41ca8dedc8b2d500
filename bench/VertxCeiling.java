import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;

/**
 * The HTTP server's own ceiling, measured by bench/run.sh beside the framework's (bench/framework-ceiling.yaml): the
 * Vert.x that camel-platform-http-vertx runs on, from the relay's jar and with the relay's JVM settings, answering
 * every POST with 202 once its body has arrived, on the event loop, with no Camel in between. The gap between this
 * and the framework's row is what Camel's route machinery and its hand-off to a worker thread cost per request.
 *
 *   java -cp target/dealhub-relay.jar bench/VertxCeiling.java <port>
 */
public class VertxCeiling {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer().requestHandler(request -> {
            if (request.method() != HttpMethod.POST) {
                request.response().setStatusCode(405).end();
                return;
            }
            request.body().onSuccess(body -> request.response().setStatusCode(202)
                    .putHeader("Content-Type", "application/json").end("{\"status\":\"accepted\"}"));
        }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        System.out.println("listening on 127.0.0.1:" + port);
    }
}
