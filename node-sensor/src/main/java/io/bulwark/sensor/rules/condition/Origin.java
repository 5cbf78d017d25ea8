package io.bulwark.sensor.rules.condition;

/** Maps an offset in a condition's text to where that character is in its rule file. */
@FunctionalInterface
public interface Origin {

    /** A place in a rule file; line and column are 1-based. */
    record Position(String file, int line, int column) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + column;
        }
    }

    Position at(int offset);

    /** Every offset maps to the same place (generated conditions, e.g. from exceptions). */
    static Origin fixed(Position p) {
        return offset -> p;
    }

    /** Text made of {@code first} (length {@code firstLength}), one separator character, then {@code second}. */
    static Origin concat(Origin first, int firstLength, Origin second) {
        return offset -> offset <= firstLength ? first.at(offset) : second.at(offset - firstLength - 1);
    }
}
