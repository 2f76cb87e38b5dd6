package org.kcbastion.it.harness;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A real SMTP server (GreenMail) on a free loopback port, wired into the test realm. */
public final class MailServer implements AutoCloseable {

    private final GreenMail greenMail;
    private final int port;

    public MailServer() {
        this.port = Ports.freeLoopbackPort();
        this.greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
    }

    /** The realm's {@code smtpServer} settings for this server. */
    public Map<String, String> realmSmtpConfig() {
        return Map.of("host", "127.0.0.1", "port", String.valueOf(port), "from", "keycloak-it@bastion.test",
                "fromDisplayName", "Keycloak IT");
    }

    public List<MimeMessage> received() {
        return Arrays.asList(greenMail.getReceivedMessages());
    }

    /** Waits until a message to {@code recipient} arrives and returns it. */
    public MimeMessage awaitMessageTo(String recipient, Duration timeout) {
        return Poll.until("an email to " + recipient, timeout, () -> received().stream()
                .filter(m -> sentTo(m, recipient))
                .findFirst());
    }

    public long countTo(String recipient) {
        return received().stream().filter(m -> sentTo(m, recipient)).count();
    }

    private static boolean sentTo(MimeMessage m, String recipient) {
        try {
            return Optional.ofNullable(m.getAllRecipients()).stream().flatMap(Arrays::stream)
                    .anyMatch(a -> a.toString().equalsIgnoreCase(recipient));
        } catch (jakarta.mail.MessagingException e) {
            return false;
        }
    }

    public void stop() {
        greenMail.stop();
    }

    @Override
    public void close() {
        stop();
    }

    /** The text/html part of {@code message}, or null when it has none. */
    public static String html(MimeMessage message) {
        try {
            return part(message.getContent(), "text/html");
        } catch (jakarta.mail.MessagingException | java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String part(Object content, String type) throws jakarta.mail.MessagingException, java.io.IOException {
        if (content instanceof jakarta.mail.Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                var p = multipart.getBodyPart(i);
                if (p.isMimeType(type)) return String.valueOf(p.getContent());
                if (p.isMimeType("multipart/*")) {
                    String inner = part(p.getContent(), type);
                    if (inner != null) return inner;
                }
            }
        }
        return null;
    }
}
