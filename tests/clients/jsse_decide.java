// The TLS version Java's JSSE negotiates as Smack (XMPPTCPConnection
// proceedTLSReceived(): SSLContext "TLS", the JRE's protocols unless the
// application names some) and Openfire's outgoing s2s
// (EncryptionArtifactFactory createClientModeSSLEngine(): the JRE's
// enabled protocols less SSLv2Hello) set it up: STARTTLS with HOST:PORT
// as DOMAIN, then the handshake, with the CA file as the only trust.
//
//   java jsse_decide.java --connect CAFILE HOST PORT DOMAIN...
//
// One line per domain: DOMAIN, a tab, and {"connected", "version",
// "detail"}. The JRE's java.security (jdk.tls.disabledAlgorithms) applies.
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class jsse_decide {
    static void readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!got.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buf);
            if (n < 0)
                throw new IOException("closed before " + marker);
            got.write(buf, 0, n);
        }
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : (s == null ? "" : s).toCharArray()) {
            if (c == '"' || c == '\\' || c < 0x20)
                b.append(String.format("\\u%04x", (int) c));
            else
                b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || !args[0].equals("--connect")) {
            System.err.println("usage: java jsse_decide.java --connect CAFILE HOST PORT DOMAIN...");
            System.exit(2);
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int n = 0;
        try (FileInputStream f = new FileInputStream(args[1])) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(f))
                ks.setCertificateEntry("ca" + n++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(
            TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        String host = args[2];
        int port = Integer.parseInt(args[3]);
        for (int i = 4; i < args.length; i++) {
            String domain = args[i], out;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(("<?xml version='1.0'?><stream:stream to='" + domain
                    + "' version='1.0' xmlns='jabber:client' "
                    + "xmlns:stream='http://etherx.jabber.org/streams'>")
                    .getBytes(StandardCharsets.UTF_8));
                readUntil(s.getInputStream(), "</stream:features>");
                s.getOutputStream().write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                    .getBytes(StandardCharsets.UTF_8));
                readUntil(s.getInputStream(), "proceed");
                SSLSocket t = (SSLSocket) ctx.getSocketFactory().createSocket(s, domain, port, true);
                try {
                    t.startHandshake();
                    out = "{\"connected\": true, \"version\": "
                        + json(t.getSession().getProtocol().replace("TLSv", "TLS "))
                        + ", \"detail\": " + json(t.getSession().getCipherSuite()) + "}";
                } catch (IOException e) {
                    out = "{\"connected\": false, \"version\": null, \"detail\": "
                        + json(e.getMessage()) + "}";
                }
            } catch (IOException e) {
                out = "{\"error\": " + json(e.toString()) + "}";
            }
            System.out.println(domain + "\t" + out);
        }
    }
}
