package io.vdisk.venti;

import java.io.IOException;

/** A Venti structure (entry, root, pointer block) whose bytes break a format rule. */
public class VentiFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String structure;
    private final String field;
    private final Object value;

    public VentiFormatException(String structure, String field, Object value, String rule) {
        super(structure + " field " + field + " = " + value + ": " + rule);
        this.structure = structure;
        this.field = field;
        this.value = value;
    }

    public String structure() {
        return structure;
    }

    public String field() {
        return field;
    }

    public Object value() {
        return value;
    }
}
