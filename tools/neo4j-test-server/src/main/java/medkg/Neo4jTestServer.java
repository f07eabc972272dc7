package medkg;

import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs Neo4j Community in this JVM with Bolt on 127.0.0.1:PORT until standard input closes.
 *
 * <p>Usage: {@code java -cp ... medkg.Neo4jTestServer HOME_DIR PORT [PAGECACHE_MB]}. Prints
 * {@code READY bolt://127.0.0.1:PORT} once Bolt accepts connections, so the caller can wait on it,
 * and shuts the database down cleanly when its parent closes the pipe (or on SIGTERM). The
 * environment variable {@code MEDKG_TEST_NEO4J_CONF} ("key=value;key=value") adds server settings.
 */
public final class Neo4jTestServer {
  private Neo4jTestServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: Neo4jTestServer HOME_DIR PORT [PAGECACHE_MB]");
      System.exit(2);
    }
    Path home = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    long pageCacheMb = args.length > 2 ? Long.parseLong(args[2]) : 128L;

    // Extra server settings for experiments, "key=value;key=value" (BENCHMARKS.md tried a few).
    String extra = System.getenv("MEDKG_TEST_NEO4J_CONF");
    Path conf = Files.createTempFile("medkg-neo4j", ".conf");
    conf.toFile().deleteOnExit();
    Files.writeString(conf, extra == null ? "" : extra.replace(";", "\n") + "\n");
    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(home)
            .loadPropertiesFromFile(conf)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(GraphDatabaseSettings.auth_enabled, false)
            .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024L * 1024L)
            .build();
    Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
    System.out.println("READY bolt://127.0.0.1:" + port);
    System.out.flush();
    while (System.in.read() != -1) {
      // Block until the parent process closes our stdin: then it is time to stop.
    }
    dbms.shutdown();
    System.exit(0);
  }
}
