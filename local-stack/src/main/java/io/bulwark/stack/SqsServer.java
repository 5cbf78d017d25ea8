package io.bulwark.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.elasticmq.NodeAddress;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.actor.queue.QueueEvent;
import org.elasticmq.persistence.sql.SqlQueuePersistenceActor;
import org.elasticmq.persistence.sql.SqlQueuePersistenceConfig;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.util.NowProvider;

/**
 * ElasticMQ on 127.0.0.1, in memory or with its queues and messages in an H2 file (ElasticMQ's own
 * SQL message store, what its server's {@code messages-storage} setting turns on): with a file,
 * what is queued when the stack stops (or is killed) is in the queue again after the next start,
 * as in SQS.
 *
 * <p>The store writes every send, receive and delete to the file before ElasticMQ answers, which
 * costs throughput (docs/benchmarks.md, "Delivery").
 */
public final class SqsServer {
    private SqsServer() {}

    /**
     * Starts ElasticMQ on {@code port}; {@code store} is the H2 database's path without its
     * {@code .mv.db} suffix, or null for memory only. Returns when it answers and, with a store, when
     * the stored queues and messages are back.
     */
    public static SQSRestServer start(int port, Path store) {
        if (store == null) {
            SQSRestServer s = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port)
                    .withServerAddress(new NodeAddress("http", "127.0.0.1", port, "")).withAWSAccountId(BusServer.ACCOUNT)
                    .withAWSRegion(BusServer.REGION).start();
            s.waitUntilStarted();
            return s;
        }
        try {
            Files.createDirectories(store.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot make the SQS store's directory " + store.toAbsolutePath().getParent() + ": " + e.getMessage(), e);
        }
        String uri = "jdbc:h2:file:" + store.toAbsolutePath();
        try {
            Class.forName("org.h2.Driver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the H2 driver (com.h2database:h2) is not on the class path: " + e.getMessage(), e);
        }
        // ElasticMQ's DB opens scalikejdbc's pool once per JVM: point it at this store (a test JVM starts several stacks)
        scalikejdbc.ConnectionPool$.MODULE$.singleton(uri, "", "", scalikejdbc.ConnectionPool$.MODULE$.singleton$default$4(),
                scalikejdbc.ConnectionPool$.MODULE$.singleton$default$5(uri, "", "", scalikejdbc.ConnectionPool$.MODULE$.singleton$default$4()));
        ActorSystem system = ActorSystem.create("elasticmq");
        try {
            ActorRef persistence = system.actorOf(Props.create(SqlQueuePersistenceActor.class,
                    new SqlQueuePersistenceConfig(true, "org.h2.Driver", uri, "", "", false), scala.collection.immutable.List$.MODULE$.empty()));
            ActorRef manager = system.actorOf(Props.create(QueueManagerActor.class, new NowProvider(), StrictSQSLimits$.MODULE$,
                    scala.Option.apply(persistence)));
            SQSRestServer s = SQSRestServerBuilder.withActorSystem(system).withQueueManagerActor(manager).withInterface("127.0.0.1").withPort(port)
                    .withServerAddress(new NodeAddress("http", "127.0.0.1", port, "")).withAWSAccountId(BusServer.ACCOUNT)
                    .withAWSRegion(BusServer.REGION).start();
            s.waitUntilStarted();
            Object restored = Patterns.ask(persistence, new QueueEvent.Restore(manager), java.time.Duration.ofSeconds(60))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (restored instanceof scala.util.Left<?, ?> errors) {
                throw new IllegalStateException("ElasticMQ could not restore the queues stored in " + store + ".mv.db: " + errors.value());
            }
            // stopping the server stops the actor system it was given, then closes the store (H2 writes its file when the last connection closes)
            return new SQSRestServer(s.startFuture(), () -> {
                try {
                    s.stopAndWait();
                } finally {
                    system.terminate();
                    try {
                        scala.concurrent.Await.ready(system.whenTerminated(), scala.concurrent.duration.Duration.create(30, TimeUnit.SECONDS));
                    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                        // closing anyway
                    }
                    scalikejdbc.ConnectionPool$.MODULE$.close(scalikejdbc.ConnectionPool$.MODULE$.close$default$1());
                }
                @SuppressWarnings("unchecked")
                scala.concurrent.Future<Object> done = (scala.concurrent.Future<Object>) (scala.concurrent.Future<?>) system.whenTerminated();
                return done;
            });
        } catch (Exception e) {
            system.terminate();
            throw new IllegalStateException("ElasticMQ with its store " + store + ".mv.db did not start: " + e, e);
        }
    }
}
