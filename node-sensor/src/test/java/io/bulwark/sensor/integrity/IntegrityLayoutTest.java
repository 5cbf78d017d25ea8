package io.bulwark.sensor.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bulwark.sensor.probe.BpfInventory;
import io.bulwark.sensor.probe.KernelReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java mirrors of kernel and BPF structs, checked against BTF: struct bpf_prog_info and
 * bpf_link_info of the running kernel (/sys/kernel/btf/vmlinux), and the request/result structs
 * of the built integrity.bpf.o.
 */
class IntegrityLayoutTest {

    record Layout(int size, Map<String, Integer> offsets) {}

    static Layout struct(String file, String name) throws Exception {
        String bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
        Process p = new ProcessBuilder(bpftool, "btf", "dump", "file", file, "format", "raw").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bpftool failed (apt-get install bpftool): " + out.substring(0, Math.min(500, out.length())));
        Matcher head = Pattern.compile("STRUCT '" + name + "' size=(\\d+) vlen=(\\d+)").matcher(out);
        assertTrue(head.find(), "struct " + name + " is not in the BTF of " + file);
        int vlen = Integer.parseInt(head.group(2));
        Map<String, Integer> offsets = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\s+'([\\w()]+)' type_id=\\d+ bits_offset=(\\d+)").matcher(out.substring(head.end()));
        for (int i = 0; i < vlen && m.find(); i++) {
            offsets.put(m.group(1), Integer.parseInt(m.group(2)) / 8);
        }
        return new Layout(Integer.parseInt(head.group(1)), offsets);
    }

    @Test
    void bpfProgInfoAndLinkInfoMatchTheRunningKernel() throws Exception {
        Layout pi = struct("/sys/kernel/btf/vmlinux", "bpf_prog_info");
        assertEquals(BpfInventory.PROG_INFO_SIZE, pi.size());
        Map<String, Integer> java = Map.ofEntries(Map.entry("type", BpfInventory.PI_TYPE), Map.entry("id", BpfInventory.PI_ID),
                Map.entry("tag", BpfInventory.PI_TAG), Map.entry("xlated_prog_len", BpfInventory.PI_XLATED_LEN),
                Map.entry("xlated_prog_insns", BpfInventory.PI_XLATED_INSNS), Map.entry("load_time", BpfInventory.PI_LOAD_TIME),
                Map.entry("created_by_uid", BpfInventory.PI_UID), Map.entry("nr_map_ids", BpfInventory.PI_NR_MAP_IDS),
                Map.entry("name", BpfInventory.PI_NAME), Map.entry("btf_id", BpfInventory.PI_BTF_ID),
                Map.entry("attach_btf_obj_id", BpfInventory.PI_ATTACH_BTF_OBJ_ID), Map.entry("attach_btf_id", BpfInventory.PI_ATTACH_BTF_ID),
                Map.entry("nr_jited_ksyms", BpfInventory.PI_NR_JITED_KSYMS), Map.entry("nr_jited_func_lens", BpfInventory.PI_NR_JITED_FUNC_LENS),
                Map.entry("jited_ksyms", BpfInventory.PI_JITED_KSYMS), Map.entry("jited_func_lens", BpfInventory.PI_JITED_FUNC_LENS));
        for (Map.Entry<String, Integer> e : java.entrySet()) {
            assertEquals(pi.offsets().get(e.getKey()), e.getValue(), "bpf_prog_info." + e.getKey());
        }
        Layout li = struct("/sys/kernel/btf/vmlinux", "bpf_link_info");
        assertEquals(BpfInventory.LINK_INFO_SIZE, li.size());
        assertEquals(BpfInventory.LI_TYPE, li.offsets().get("type"));
        assertEquals(BpfInventory.LI_ID, li.offsets().get("id"));
        assertEquals(BpfInventory.LI_PROG_ID, li.offsets().get("prog_id"));
        assertEquals(BpfInventory.LI_UNION, li.offsets().get("(anon)"));
    }

    @Test
    void integrityObjectStructsMatchKernelReader() throws Exception {
        String obj = Path.of(System.getProperty("bulwark.bpfDir", "target/classes/bpf"), "integrity.bpf.o").toString();
        assertEquals(16, struct(obj, "bwi_text_req").size());
        Layout out = struct(obj, "bwi_text_out");
        assertEquals(KernelReader.TEXT_OUT_SIZE, out.size());
        assertEquals(8, out.offsets().get("bytes"));
        assertEquals(8, struct(obj, "bwi_file_req").size());
        Layout f = struct(obj, "bwi_file_out");
        assertEquals(KernelReader.FILE_OUT_SIZE, f.size());
        assertEquals(8, f.offsets().get("ptrs"));
        assertEquals(8 + 8 * KernelReader.PTRS, f.offsets().get("seq"));
        Layout t = struct(obj, "bwi_task_rec");
        assertEquals(KernelReader.TASK_REC_SIZE, t.size());
        assertEquals(8, t.offsets().get("comm"));
    }
}
