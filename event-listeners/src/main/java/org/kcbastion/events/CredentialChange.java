package org.kcbastion.events;

import org.kcbastion.core.AdminPaths;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin calls that set, reset or remove a user's credential, recognised by method and path. Paths are those of
 * an AdminEvent ({@code users/{id}/...}) or of a request ({@code /admin/realms/{realm}/users/{id}/...}), in every
 * spelling Keycloak routes to the same endpoint ({@link AdminPaths}).
 */
record CredentialChange(String trigger, String change, String realm, String userId, List<String> credentialTypes) {

    CredentialChange {
        credentialTypes = List.copyOf(credentialTypes);
    }

    CredentialChange(String trigger, String change, String realm, String userId) {
        this(trigger, change, realm, userId, RESET_PASSWORD.equals(trigger) ? List.of("password") : List.of());
    }

    /** The credential types that changed, as far as the request told (for the Shared Signals credential-change). */
    CredentialChange withCredentialTypes(List<String> types) {
        return new CredentialChange(trigger, change, realm, userId, types);
    }

    static final String RESET_PASSWORD = "reset_password";
    static final String CREDENTIALS_SET = "credentials_set";
    static final String CREDENTIAL_REMOVED = "credential_removed";
    static final String CREDENTIAL_DISABLED = "credential_disabled";

    private static final Pattern EVENT_RESET = Pattern.compile("users/([^/]+)/reset-password");
    private static final Pattern EVENT_REMOVE = Pattern.compile("users/([^/]+)/credentials/[^/]+");
    private static final Pattern EVENT_USER = Pattern.compile("users/([^/]+)");
    private static final Pattern REQUEST_USER = Pattern.compile("admin/realms/([^/]+)/users/([^/]+)");
    private static final Pattern REQUEST_DISABLE = Pattern.compile("admin/realms/([^/]+)/users/([^/]+)/disable-credential-types");

    /** From an admin event's operation and resource path; {@code update} is UPDATE on the user itself. */
    static Optional<CredentialChange> fromAdminEvent(String operation, String rawPath, String realm, boolean credentialsInBody) {
        String path = AdminPaths.normalize(rawPath);
        if (path == null) return Optional.empty();
        Matcher m;
        if ("ACTION".equals(operation) && (m = EVENT_RESET.matcher(path)).matches()) {
            return Optional.of(new CredentialChange(RESET_PASSWORD, "bastionChangePasswordReset", realm, m.group(1)));
        }
        if ("ACTION".equals(operation) && (m = EVENT_REMOVE.matcher(path)).matches()) {
            return Optional.of(new CredentialChange(CREDENTIAL_REMOVED, "bastionChangeCredentialRemoved", realm, m.group(1)));
        }
        if ("UPDATE".equals(operation) && credentialsInBody && (m = EVENT_USER.matcher(path)).matches()) {
            return Optional.of(new CredentialChange(CREDENTIALS_SET, "bastionChangeCredentialsSet", realm, m.group(1)));
        }
        return Optional.empty();
    }

    /** {@code PUT /admin/realms/{realm}/users/{id}}: its body may carry credentials. */
    static Optional<String[]> userUpdateRequest(String method, String path) {
        Matcher m = REQUEST_USER.matcher(AdminPaths.normalize(path));
        return "PUT".equals(method) && m.matches() ? Optional.of(new String[]{m.group(1), m.group(2)}) : Optional.empty();
    }

    /** {@code PUT .../users/{id}/disable-credential-types}: Keycloak emits no admin event for it. */
    static Optional<String[]> disableCredentialTypesRequest(String method, String path) {
        Matcher m = REQUEST_DISABLE.matcher(AdminPaths.normalize(path));
        return "PUT".equals(method) && m.matches() ? Optional.of(new String[]{m.group(1), m.group(2)}) : Optional.empty();
    }
}
