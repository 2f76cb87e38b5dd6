package org.kcbastion.core;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the map each factory returns from {@code getOperationalInfo()}: the Bastion version first, then its config. */
public final class OperationalInfo {

    private OperationalInfo() {
    }

    public static Map<String, String> of(Map<String, String> effectiveConfig) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("bastion-version", version());
        info.putAll(effectiveConfig);
        return info;
    }

    public static String version() {
        String v = OperationalInfo.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
