package io.bulwark.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Flag names as alerts print them (an alert that says flags=524288 makes the reader look up a constant). */
class FlagsTest {
    @Test
    void userfaultfdFlagsAreNamed() {
        assertEquals("O_CLOEXEC", Flags.userfaultfd(02000000));
        assertEquals("UFFD_USER_MODE_ONLY|O_NONBLOCK|O_CLOEXEC", Flags.userfaultfd(02000000 | 04000 | 1));
        assertEquals("0", Flags.userfaultfd(0));
        assertEquals("O_CLOEXEC|0x10", Flags.userfaultfd(02000000 | 0x10), "unknown bits stay visible");
    }

    @Test
    void openFlagsKeepTheirAccessMode() {
        assertEquals("O_RDONLY", Flags.open(0));
        assertEquals("O_RDONLY|O_CLOEXEC", Flags.open(02000000));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", Flags.open(01 | 0100 | 01000));
    }
}
