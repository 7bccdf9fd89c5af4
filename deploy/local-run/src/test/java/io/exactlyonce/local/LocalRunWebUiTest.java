package io.exactlyonce.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local run's web UI, on a real MiniCluster with its web front: reachable from this machine
 * only, and it takes no jar uploads, so nobody on the network can run code in it.
 */
class LocalRunWebUiTest {

    private static MiniCluster cluster;
    private static URI restAddress;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(LocalRun.webUi(0))
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(1)
                                .build());
        cluster.start();
        restAddress = cluster.getRestAddress().get();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void answersOnLoopback() throws Exception {
        URI loopback = URI.create("http://127.0.0.1:" + restAddress.getPort() + "/config");

        assertThat(get(loopback).statusCode()).isEqualTo(200);
    }

    @Test
    void isNotReachableOnAnyOtherAddressOfThisMachine() throws Exception {
        List<InetAddress> others = nonLoopbackAddresses();
        assertThat(others)
                .as("this machine's non-loopback addresses, to try the web UI on")
                .isNotEmpty();
        for (InetAddress address : others) {
            assertThatThrownBy(() -> new Socket(address, restAddress.getPort()).close())
                    .as("a connection to the web UI on " + address)
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void takesNoJarUpload() throws Exception {
        HttpResponse<String> upload =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + restAddress.getPort()
                                                        + "/jars/upload"))
                                .POST(HttpRequest.BodyPublishers.ofString("not a jar"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(upload.statusCode()).isEqualTo(404);
        assertThat(
                        get(URI.create("http://127.0.0.1:" + restAddress.getPort() + "/jars"))
                                .statusCode())
                .isEqualTo(404);
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(LocalRunWebUiTest::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                .toList();
    }

    private static boolean isUp(NetworkInterface networkInterface) {
        try {
            return networkInterface.isUp() && !networkInterface.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
