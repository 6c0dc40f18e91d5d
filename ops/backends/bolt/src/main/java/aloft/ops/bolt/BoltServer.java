package aloft.ops.bolt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * The Bolt test server for the Memgraph schedule view: an embedded Neo4j Community with only the
 * Bolt connector, on 127.0.0.1:&lt;port&gt;, without authentication, its store under &lt;home&gt;.
 * Started by ops/backends/bolt.ts; a test tool, never part of the product.
 *
 * Usage: BoltServer &lt;port&gt; &lt;home&gt;
 *
 * SIGTERM runs the JVM's shutdown hooks: the hook shuts the database down (checkpoint, store
 * closed cleanly), so a restart on the same home finds the data without a recovery.
 */
public final class BoltServer {
  private BoltServer() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: BoltServer <port> <home>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    Path home = Path.of(args[1]).toAbsolutePath();
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
        // Tests only, on loopback: no credentials to hand around.
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(HttpConnector.enabled, false)
        .setConfig(HttpsConnector.enabled, false)
        // The default sizes the page cache from the machine's RAM, shared here with other
        // servers and test suites: a fixed, modest cache (off-heap, beside the -Xmx heap).
        .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(256))
        // Stop within the caller's SIGTERM grace (15 s): by default Bolt alone waits 5 s for its
        // connections and 5 s for its thread pool, on top of the database's own shutdown.
        .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
        .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
        .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
        .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("BoltServer: stopping");
      dbms.shutdown();
      System.out.println("BoltServer: stopped");
      stopped.countDown();
    }, "bolt-server-shutdown"));
    System.out.println("BoltServer: Neo4j " + org.neo4j.kernel.internal.Version.getNeo4jVersion() + " listening on bolt://127.0.0.1:" + port + ", home " + home);
    stopped.await();
  }
}
