package io.bulwark.functions.respond.act;

import io.bulwark.response.Durations;
import io.bulwark.response.action.ActionRequest;
import java.time.Duration;
import java.util.List;

/** Reads step parameters (the loader keeps them as written: strings, numbers, booleans, lists). */
public final class Params {
    private Params() {}

    public static String string(ActionRequest r, String name) {
        Object v = r.param(name);
        return v == null || v.toString().isBlank() ? null : v.toString();
    }

    public static boolean bool(ActionRequest r, String name, boolean dflt) {
        Object v = r.param(name);
        return v == null ? dflt : v instanceof Boolean b ? b : Boolean.parseBoolean(v.toString());
    }

    public static Duration duration(ActionRequest r, String name, Duration dflt) {
        Object v = r.param(name);
        return v == null ? dflt : v instanceof Duration d ? d : Durations.parse(v.toString());
    }

    public static List<String> list(ActionRequest r, String name) {
        Object v = r.param(name);
        if (v == null) return List.of();
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return List.of(v.toString());
    }
}
