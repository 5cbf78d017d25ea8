package io.bulwark.sensor.rules;

/**
 * One problem found while loading rule files.
 *
 * @param file     file as given
 * @param line     1-based line (0 when the whole file is concerned)
 * @param column   1-based column
 * @param itemType rule, macro, list, exception, file …
 * @param item     the item's name (null for file-level problems)
 * @param code     what kind of problem
 * @param reason   readable reason
 */
public record LoadProblem(String file, int line, int column, String itemType, String item, ProblemCode code, String reason) {

    public boolean isError() {
        return code.isError();
    }

    /** {@code file:line:col rule 'name': reason [CODE]}. */
    public String format() {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) {
            b.append(':').append(line).append(':').append(column);
        }
        b.append(' ');
        if (item != null) {
            b.append(itemType).append(" '").append(item).append("': ");
        }
        b.append(reason).append(" [").append(code).append(']');
        return b.toString();
    }
}
