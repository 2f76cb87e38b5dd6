package org.kcbastion.core;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** The one error shape of every Bastion endpoint: {@code {"error": "...", "error_description": "..."}}. */
public final class ApiError {

    private ApiError() {
    }

    public static Response response(Response.Status status, String error, String description) {
        return builder(status.getStatusCode(), error, description, Map.of()).build();
    }

    public static Response.ResponseBuilder builder(int status, String error, String description, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        body.putAll(extra);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body);
    }
}
