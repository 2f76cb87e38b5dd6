package org.kcbastion.core;

import jakarta.ws.rs.container.ContainerRequestContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/** Lets a request filter look at a body that the endpoint behind it still has to read. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * The body's bytes, or null when there is none or it is longer than {@code maxBytes}. Either way the endpoint reads
     * the whole body afterwards, unchanged.
     */
    public static byte[] peek(ContainerRequestContext request, int maxBytes) throws IOException {
        if (!request.hasEntity()) return null;
        InputStream original = request.getEntityStream();
        byte[] head = original.readNBytes(maxBytes + 1);
        request.setEntityStream(new SequenceInputStream(new ByteArrayInputStream(head), original));
        return head.length > maxBytes ? null : head;
    }
}
