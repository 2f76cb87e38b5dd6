import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * The demo's inbox: a GreenMail SMTP server (127.0.0.1:3025) that the bastion-demo realm sends its alerts and notices
 * to, and one web page (http://127.0.0.1:8025/) that shows every mail received and every OIDC back-channel logout
 * demo-app received at /backchannel-logout. Run by ./demo/start with the GreenMail standalone JAR on the class path
 * (java -cp greenmail-standalone.jar demo/DemoInbox.java); not part of Bastion.
 */
public class DemoInbox {

    record Logout(Instant at, String claims) {
    }

    static final List<Logout> LOGOUTS = Collections.synchronizedList(new ArrayList<>());

    public static void main(String[] args) throws Exception {
        int smtpPort = Integer.parseInt(System.getProperty("smtp.port", "3025"));
        int webPort = Integer.parseInt(System.getProperty("web.port", "8025"));
        GreenMail mail = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", webPort), 0);
        web.createContext("/backchannel-logout", DemoInbox::backchannel);
        web.createContext("/", exchange -> page(exchange, mail));
        web.start();
        System.out.printf("Demo inbox: SMTP on 127.0.0.1:%d, mails and back-channel logouts on http://127.0.0.1:%d/%n", smtpPort, webPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            web.stop(0);
            mail.stop();
        }));
        Thread.currentThread().join();
    }

    /** demo-app's back-channel logout endpoint: keeps the logout token's claims (its payload), answers 200. */
    static void backchannel(HttpExchange exchange) throws IOException {
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        for (String pair : form.split("&")) {
            if (pair.startsWith("logout_token=")) {
                String token = URLDecoder.decode(pair.substring("logout_token=".length()), StandardCharsets.UTF_8);
                String[] parts = token.split("\\.");
                String claims = parts.length > 1 ? new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8) : token;
                LOGOUTS.add(new Logout(Instant.now(), claims));
            }
        }
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
    }

    static void page(HttpExchange exchange, GreenMail mail) throws IOException {
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=5>"
                + "<title>Bastion demo inbox</title><style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em;"
                + "white-space:pre-wrap}h2{margin-top:2em}</style></head><body><h1>Bastion demo inbox</h1>"
                + "<p>Refreshes every 5 s. Newest first.</p><h2>Back-channel logouts received by demo-app</h2>");
        List<Logout> logouts = new ArrayList<>(LOGOUTS);
        Collections.reverse(logouts);
        if (logouts.isEmpty()) html.append("<p>none yet</p>");
        for (Logout l : logouts) html.append("<p>").append(l.at()).append("</p><pre>").append(escape(l.claims())).append("</pre>");
        html.append("<h2>Mails</h2>");
        MimeMessage[] messages = mail.getReceivedMessages();
        if (messages.length == 0) html.append("<p>none yet</p>");
        for (int i = messages.length - 1; i >= 0; i--) {
            MimeMessage m = messages[i];
            try {
                html.append("<h3>").append(escape(m.getSubject())).append("</h3><p>To: ")
                        .append(escape(String.join(", ", List.of(m.getHeader("To")))))
                        .append(" · ").append(m.getSentDate()).append("</p><pre>").append(escape(text(m))).append("</pre>");
            } catch (Exception e) {
                html.append("<p>(unreadable mail: ").append(escape(e.toString())).append(")</p>");
            }
        }
        byte[] body = html.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The plain-text part of a mail (Keycloak sends text and HTML alternatives). */
    static String text(jakarta.mail.Part part) throws Exception {
        if (part.isMimeType("text/plain")) return String.valueOf(part.getContent());
        if (part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart p = multipart.getBodyPart(i);
                String text = text(p);
                if (!text.isEmpty()) return text;
            }
        }
        return "";
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
