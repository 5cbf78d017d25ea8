package io.bulwark.response;

/**
 * One thing wrong with a playbook, where it is and why: printed as {@code file:line:col: reason [code]}.
 * Lines and columns count from 1 (as editors do).
 *
 * @param file   the playbook file (or the pattern file a {@code match_file} names)
 * @param line   1-based line
 * @param column 1-based column
 * @param code   a short stable code for scripts ({@code unknown-key}, {@code unknown-action}, {@code bad-pattern}, …)
 * @param reason what is wrong, naming the object and, where useful, what would be right
 */
public record Problem(String file, int line, int column, String code, String reason) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + reason + " [" + code + "]";
    }
}
