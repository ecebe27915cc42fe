/*
 * Runs Apache Iceberg's REST catalog test server (org.apache.iceberg.rest.RESTCatalogServer,
 * iceberg-open-api's test fixtures) on one address only.
 *
 * RESTCatalogServer.start() listens with `new Server(port)`, that is on every interface, and has
 * no setting for the address. This launcher builds the same backend catalog and request adapter
 * (RESTCatalogServer's own initializeBackendCatalog() and RESTServerCatalogAdapter, reached by
 * reflection because both are package-private) and serves them from a Jetty connector bound to
 * REST_HOST (default 127.0.0.1). Everything else is configured exactly like the stock server:
 * CATALOG_* environment variables (CATALOG_URI, CATALOG_WAREHOUSE, CATALOG_IO__IMPL, ...) and
 * CATALOG_REST_PORT (rest.port, default 8181).
 *
 * Run in Java's source-file mode:  java -cp 'JARS/*' LoopbackRESTCatalogServer.java
 */

import jakarta.servlet.Servlet;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackRESTCatalogServer {
  private LoopbackRESTCatalogServer() {}

  public static void main(String[] args) throws Exception {
    String host = System.getenv().getOrDefault("REST_HOST", "127.0.0.1");

    Class<?> serverClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServer");
    Constructor<?> newServer = serverClass.getDeclaredConstructor();
    newServer.setAccessible(true);
    Method initialize = serverClass.getDeclaredMethod("initializeBackendCatalog");
    initialize.setAccessible(true);
    Object context = initialize.invoke(newServer.newInstance());

    Class<?> contextClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServer$CatalogContext");
    Method configuration = contextClass.getMethod("configuration");
    configuration.setAccessible(true); // a public method of a package-private class
    @SuppressWarnings("unchecked")
    Map<String, String> properties = (Map<String, String>) configuration.invoke(context);
    int port = Integer.parseInt(properties.getOrDefault("rest.port", "8181"));

    Class<?> adapterClass = Class.forName("org.apache.iceberg.rest.RESTServerCatalogAdapter");
    Constructor<?> newAdapter = adapterClass.getDeclaredConstructor(contextClass);
    newAdapter.setAccessible(true);
    Object adapter = newAdapter.newInstance(context);
    Class<?> servletClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServlet");
    Servlet servlet =
        (Servlet)
            servletClass
                .getConstructor(Class.forName("org.apache.iceberg.rest.RESTCatalogAdapter"))
                .newInstance(adapter);

    ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    handler.addServlet(new ServletHolder(servlet), "/*");

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(handler);
    server.start();
    System.out.println("REST catalog listening on http://" + host + ":" + connector.getLocalPort());
    server.join();
  }
}
