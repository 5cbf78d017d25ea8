package io.bulwark.response.action;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The catalogue's description of one action (see {@link ActionCatalog}). */
record CatalogAction(String name, String description, TargetKind target, boolean mutating, boolean containment,
        boolean needsEvidenceFirst, boolean reversible, Optional<String> undoAction, String undoDescription,
        List<ParamSpec> params) implements Action {

    CatalogAction {
        params = List.copyOf(params);
    }

    @Override
    public Scope scope() {
        return Scope.valueOf(name.substring(0, name.indexOf('.')).toUpperCase(Locale.ROOT));
    }
}
