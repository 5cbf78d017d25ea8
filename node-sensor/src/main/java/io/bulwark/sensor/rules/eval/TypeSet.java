package io.bulwark.sensor.rules.eval;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** A set of event types: finite, or everything except a finite set. */
public record TypeSet(boolean cofinite, Set<String> names) {
    public static final TypeSet ALL = new TypeSet(true, Set.of());
    public static final TypeSet NONE = new TypeSet(false, Set.of());

    public static TypeSet of(Set<String> names) {
        return new TypeSet(false, Set.copyOf(names));
    }

    public static TypeSet allBut(Set<String> names) {
        return new TypeSet(true, Set.copyOf(names));
    }

    public TypeSet complement() {
        return new TypeSet(!cofinite, names);
    }

    public boolean contains(String t) {
        return cofinite != names.contains(t);
    }

    public TypeSet union(TypeSet o) {
        if (!cofinite && !o.cofinite) {
            return of(plus(names, o.names));
        }
        if (cofinite && o.cofinite) {
            return allBut(inter(names, o.names));
        }
        TypeSet co = cofinite ? this : o;
        TypeSet fin = cofinite ? o : this;
        return allBut(minus(co.names, fin.names));
    }

    public TypeSet intersect(TypeSet o) {
        return complement().union(o.complement()).complement();
    }

    @Override
    public String toString() {
        return (cofinite ? "all but " : "") + new TreeSet<>(names);
    }

    private static Set<String> plus(Set<String> a, Set<String> b) {
        Set<String> r = new HashSet<>(a);
        r.addAll(b);
        return r;
    }

    private static Set<String> inter(Set<String> a, Set<String> b) {
        Set<String> r = new HashSet<>(a);
        r.retainAll(b);
        return r;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> r = new HashSet<>(a);
        r.removeAll(b);
        return r;
    }
}
