package org.kcbastion.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.RealmModel;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether a browser flow can run a step-up: the step has to be reachable, in the flow or in a sub-flow, and not off. */
class StepUpPageTest {

    static AuthenticationExecutionModel step(String authenticator, Requirement requirement) {
        AuthenticationExecutionModel e = new AuthenticationExecutionModel();
        e.setAuthenticator(authenticator);
        e.setRequirement(requirement);
        return e;
    }

    static AuthenticationExecutionModel subFlow(String flowId, Requirement requirement) {
        AuthenticationExecutionModel e = new AuthenticationExecutionModel();
        e.setAuthenticatorFlow(true);
        e.setFlowId(flowId);
        e.setRequirement(requirement);
        return e;
    }

    /** A realm that answers only what the check reads: the executions of each flow. */
    static RealmModel realm(Map<String, List<AuthenticationExecutionModel>> flows) {
        return (RealmModel) Proxy.newProxyInstance(RealmModel.class.getClassLoader(), new Class<?>[]{RealmModel.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("getAuthenticationExecutionsStream")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return flows.getOrDefault((String) args[0], List.of()).stream();
                });
    }

    @Test
    @DisplayName("the step-up in the flow itself counts when REQUIRED, ALTERNATIVE or CONDITIONAL, not when DISABLED")
    void topLevel() {
        for (Requirement r : List.of(Requirement.REQUIRED, Requirement.ALTERNATIVE, Requirement.CONDITIONAL)) {
            assertThat(StepUpPage.stepUpInFlow(realm(Map.of("browser", List.of(step("auth-cookie", Requirement.ALTERNATIVE),
                    step(StepUp.AUTHENTICATOR_ID, r)))), "browser")).as(r.name()).isTrue();
        }
        assertThat(StepUpPage.stepUpInFlow(realm(Map.of("browser", List.of(step(StepUp.AUTHENTICATOR_ID, Requirement.DISABLED)))),
                "browser")).isFalse();
    }

    @Test
    @DisplayName("a step-up two sub-flows down counts; under a disabled sub-flow it does not")
    void nested() {
        Map<String, List<AuthenticationExecutionModel>> flows = Map.of(
                "browser", List.of(step("auth-cookie", Requirement.ALTERNATIVE), subFlow("forms", Requirement.ALTERNATIVE)),
                "forms", List.of(step("auth-username-password-form", Requirement.REQUIRED), subFlow("second", Requirement.REQUIRED)),
                "second", List.of(step(StepUp.AUTHENTICATOR_ID, Requirement.REQUIRED)));
        assertThat(StepUpPage.stepUpInFlow(realm(flows), "browser")).isTrue();
        Map<String, List<AuthenticationExecutionModel>> off = Map.of(
                "browser", List.of(subFlow("forms", Requirement.ALTERNATIVE)),
                "forms", List.of(subFlow("second", Requirement.DISABLED)),
                "second", List.of(step(StepUp.AUTHENTICATOR_ID, Requirement.REQUIRED)));
        assertThat(StepUpPage.stepUpInFlow(realm(off), "browser")).isFalse();
    }

    @Test
    @DisplayName("a flow without the step-up (OTP form alone, or empty) does not count")
    void absent() {
        assertThat(StepUpPage.stepUpInFlow(realm(Map.of("browser", List.of(step("auth-otp-form", Requirement.REQUIRED)))), "browser"))
                .isFalse();
        assertThat(StepUpPage.stepUpInFlow(realm(Map.of()), "browser")).isFalse();
    }
}
