package io.bulwark.sensor.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The kernel sends each event cut after its last used string. Parsing must take a string field
 * only as far as the record holds it and never read the bytes after the record, which in the
 * ring buffer belong to the next record.
 */
class RawEventParseTest {

    /** A ring-like buffer: the record, then bytes of "the next record" that must not leak in. */
    private static ByteBuffer ring(int recordLen, byte[] str0, byte[] str1) {
        ByteBuffer bb = ByteBuffer.allocate(RawEvent.SIZE + 64).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.fill(bb.array(), (byte) 'X');
        for (int i = 0; i < RawEvent.OFF_STR0; i++) {
            bb.put(i, (byte) 0);
        }
        bb.put(RawEvent.OFF_OP, (byte) RawEvent.OP_SYSCALL);
        bb.putInt(RawEvent.OFF_PID, 4242);
        bb.putShort(RawEvent.OFF_SLEN, (short) (str0 == null ? 0 : str0.length));
        bb.putShort(RawEvent.OFF_SLEN + 2, (short) (str1 == null ? 0 : str1.length));
        bb.put(RawEvent.OFF_STR0, (byte) 0); // as the kernel leaves an unused string (the rest of the field is stale)
        if (str0 != null) {
            bb.put(RawEvent.OFF_STR0, str0);
        }
        if (str1 != null) {
            bb.put(RawEvent.OFF_STR1, str1);
        }
        return bb;
    }

    private static byte[] cstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(b, b.length + 1);
    }

    @Test
    void aRecordWithoutStringsHasEmptyStringFields() {
        ByteBuffer bb = ring(RawEvent.MIN_SIZE, null, null);
        RawEvent r = RawEvent.parse(bb, 0, RawEvent.MIN_SIZE);
        assertEquals(4242, r.pid());
        assertEquals(0, r.str0().length);
        assertEquals(0, r.str1().length);
        assertEquals(0, r.str2().length);
        assertEquals("", r.s0());
        assertEquals("", r.s2());
    }

    @Test
    void aStringIsReadOnlyAsFarAsTheRecordGoes() {
        byte[] path = cstr("/proc/sys/kernel/core_pattern");
        int len = RawEvent.OFF_STR0 + path.length;
        RawEvent r = RawEvent.parse(ring(len, path, null), 0, len);
        assertEquals("/proc/sys/kernel/core_pattern", r.s0());
        assertArrayEquals(path, r.str0());
        assertEquals(0, r.str1().length, "str1 lies past the record: nothing of the next record may appear");
        assertEquals("", r.s1());
    }

    @Test
    void binaryFieldsAreKeptAsWritten() {
        // connect to an IPv6 address: 16 raw bytes in str1 (zeros included), str0 unused but before it
        byte[] addr = new byte[16];
        addr[15] = 1; // ::1
        int len = RawEvent.OFF_STR1 + addr.length;
        ByteBuffer bb = ring(len, null, addr);
        RawEvent r = RawEvent.parse(bb, 0, len);
        assertArrayEquals(addr, r.str1());
        assertEquals(RawEvent.STR0_LEN, r.str0().length, "a field wholly inside the record is copied whole");
        assertEquals("", r.s0());
    }

    @Test
    void aRecordShorterThanTheFixedPartOrLongerThanTheStructIsRefused() {
        ByteBuffer bb = ring(RawEvent.SIZE, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RawEvent.parse(bb, 0, RawEvent.MIN_SIZE - 8));
        assertTrue(e.getMessage().contains(RawEvent.MIN_SIZE + ".." + RawEvent.SIZE), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RawEvent.parse(bb, 0, RawEvent.SIZE + 8));
    }
}
