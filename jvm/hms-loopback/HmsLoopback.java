/*
 * Starts the Hive 2.3 metastore Thrift service bound to one address.
 *
 * HiveMetaStore.main in the Hive 2.3 jars that pyspark ships always listens on 0.0.0.0. The platform binds
 * every service to 127.0.0.1 unless configured otherwise, so this launcher builds the same unsecured server
 * as HiveMetaStore.startMetaStore (retrying HMS handler, UGI-aware processor, binary protocol, thread pool)
 * on a socket bound to the requested host.
 *
 * Usage: HmsLoopback -h HOST -p PORT
 */
import java.net.InetSocketAddress;

import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.IHMSHandler;
import org.apache.hadoop.hive.metastore.TUGIBasedProcessor;
import org.apache.hadoop.hive.thrift.TUGIContainingTransport;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;

public final class HmsLoopback {
    private HmsLoopback() {
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9083;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "-h" -> host = args[i + 1];
                case "-p" -> port = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        HiveConf conf = new HiveConf(HiveMetaStore.HMSHandler.class);
        int minThreads = conf.getIntVar(HiveConf.ConfVars.METASTORESERVERMINTHREADS);
        int maxThreads = conf.getIntVar(HiveConf.ConfVars.METASTORESERVERMAXTHREADS);

        HiveMetaStore.HMSHandler base = new HiveMetaStore.HMSHandler("metastore on " + host, conf, false);
        IHMSHandler handler = HiveMetaStore.newRetryingHMSHandler(base, conf);
        TServerSocket socket = new TServerSocket(new InetSocketAddress(host, port));
        TThreadPoolServer.Args serverArgs = new TThreadPoolServer.Args(socket)
            .processor(new TUGIBasedProcessor<IHMSHandler>(handler))
            .transportFactory(new TUGIContainingTransport.Factory())
            .protocolFactory(new TBinaryProtocol.Factory())
            .minWorkerThreads(minThreads)
            .maxWorkerThreads(maxThreads);
        TServer server = new TThreadPoolServer(serverArgs);
        System.err.println("metastore listening on " + host + ":" + port);
        server.serve();
    }
}
