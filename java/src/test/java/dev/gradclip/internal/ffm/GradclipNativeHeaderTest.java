package dev.gradclip.internal.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Parses native/include/gradclip.h and fails when a hand-written binding in {@link GradclipNative}
 * drifts from it: a function missing or with another descriptor, a constant with another value, a
 * struct with other fields, sizes or offsets.
 */
class GradclipNativeHeaderTest {
    private static final Path HEADER = Path.of(System.getProperty("gradclip.header", "../native/include/gradclip.h"));
    private static final Pattern FUNCTION = Pattern.compile("GC_API\\s+([\\w\\s*]+?)\\s*\\b(\\w+)\\(([^)]*)\\);");
    private static final Pattern DEFINE = Pattern.compile("#define\\s+(GC_\\w+)\\s+(-?[0-9][0-9.e-]*)\\b");
    private static final Pattern STRUCT = Pattern.compile("typedef struct (\\w+) \\{(.*?)\\} \\1;", Pattern.DOTALL);
    private static final Pattern FIELD = Pattern.compile("^\\s*([\\w\\s*]+?)\\s*\\b(\\w+);", Pattern.MULTILINE);

    private static String header() throws IOException {
        return Files.readString(HEADER).replaceAll("/\\*.*?\\*/", " ");
    }

    /** The FFM layout a C type maps to; null for void. */
    private static MemoryLayout layoutOf(String cType) {
        String t = cType.replace("const", "").trim();
        if (t.contains("*")) {
            return ValueLayout.ADDRESS;
        }
        return switch (t) {
            case "void" -> null;
            case "int", "int32_t" -> ValueLayout.JAVA_INT;
            case "int64_t", "uint64_t" -> ValueLayout.JAVA_LONG;
            case "double" -> ValueLayout.JAVA_DOUBLE;
            default -> throw new AssertionError("the test does not know C type '" + t + "': extend layoutOf");
        };
    }

    private static String carrierName(MemoryLayout l) {
        return l == null ? "void" : ((ValueLayout) l).carrier().getSimpleName();
    }

    @Test
    void everyFunctionIsBoundWithTheHeadersSignature() throws Exception {
        Matcher m = FUNCTION.matcher(header());
        int count = 0;
        while (m.find()) {
            count++;
            String name = m.group(2);
            List<MemoryLayout> params = new ArrayList<>();
            for (String p : m.group(3).split(",")) {
                String param = p.trim();
                if (param.isEmpty() || param.equals("void")) {
                    continue;
                }
                params.add(layoutOf(param.replaceAll("\\w+$", "")));
            }
            MemoryLayout ret = layoutOf(m.group(1));
            FunctionDescriptor expected = ret == null
                    ? FunctionDescriptor.ofVoid(params.toArray(MemoryLayout[]::new))
                    : FunctionDescriptor.of(ret, params.toArray(MemoryLayout[]::new));

            Class<?> holder = Class.forName(GradclipNative.class.getName() + "$" + name);
            Field desc = holder.getDeclaredField("DESC");
            desc.setAccessible(true);
            assertEquals(expected, desc.get(null), name + ": descriptor differs from gradclip.h");

            Method method = findMethod(name);
            assertEquals(params.size(), method.getParameterCount(), name + ": parameter count");
            for (int i = 0; i < params.size(); i++) {
                assertEquals(carrierName(params.get(i)), method.getParameterTypes()[i].getSimpleName(), name + " parameter " + i);
            }
            assertEquals(carrierName(ret), method.getReturnType().getSimpleName(), name + ": return type");
        }
        assertTrue(count >= 25, "parsed only " + count + " functions: is the header pattern still right?");
        long bound = java.util.Arrays.stream(GradclipNative.class.getDeclaredMethods())
                .filter(x -> Modifier.isPublic(x.getModifiers()) && x.getName().startsWith("gc_")).count();
        assertEquals(count, bound, "GradclipNative binds functions the header does not declare");
    }

    private static Method findMethod(String name) {
        for (Method m : GradclipNative.class.getDeclaredMethods()) {
            if (m.getName().equals(name) && Modifier.isPublic(m.getModifiers())) {
                return m;
            }
        }
        throw new AssertionError("GradclipNative has no method " + name);
    }

    @Test
    void everyConstantHasTheHeadersValue() throws Exception {
        Matcher m = DEFINE.matcher(header());
        int count = 0;
        while (m.find()) {
            count++;
            Field f = GradclipNative.class.getField(m.group(1));
            Object v = f.get(null);
            if (v instanceof Integer i) {
                assertEquals(Integer.parseInt(m.group(2)), i, m.group(1));
            } else {
                assertEquals(Double.parseDouble(m.group(2)), (Double) v, 0.0, m.group(1));
            }
        }
        assertTrue(count >= 25, "parsed only " + count + " constants");
    }

    @Test
    void structLayoutsMatchTheHeader() throws Exception {
        Map<String, StructLayout> bound = Map.of(
                "gc_tensor", GradclipNative.GC_TENSOR, "gc_op", GradclipNative.GC_OP, "gc_result", GradclipNative.GC_RESULT,
                "gc_units", GradclipNative.GC_UNITS);
        Matcher s = STRUCT.matcher(header());
        int structs = 0;
        while (s.find()) {
            structs++;
            StructLayout layout = bound.get(s.group(1));
            assertFalse(layout == null, "struct " + s.group(1) + " has no binding");
            Map<String, MemoryLayout> fields = new LinkedHashMap<>();
            Matcher f = FIELD.matcher(s.group(2));
            while (f.find()) {
                fields.put(f.group(2), layoutOf(f.group(1)));
            }
            List<MemoryLayout> members = layout.memberLayouts();
            assertEquals(new ArrayList<>(fields.keySet()),
                    members.stream().map(x -> x.name().orElse("?")).toList(), s.group(1) + ": field names/order");
            long offset = 0;
            int i = 0;
            for (MemoryLayout expected : fields.values()) {
                long align = expected.byteAlignment();
                offset = (offset + align - 1) / align * align; // C's natural alignment
                MemoryLayout member = members.get(i++);
                assertEquals(carrierName(expected), carrierName(member), s.group(1) + "." + member.name().orElseThrow());
                assertEquals(offset, layout.byteOffset(MemoryLayout.PathElement.groupElement(member.name().orElseThrow())),
                        s.group(1) + "." + member.name().orElseThrow() + " offset");
                offset += expected.byteSize();
            }
            assertEquals(offset, layout.byteSize(), s.group(1) + " size");
        }
        assertEquals(bound.size(), structs, "structs parsed");
    }

    @Test
    void javaEnumsUseTheHeadersCodes() {
        // CpuSet and CudaSet pass Units.Layout's ordinal as GC_UNITS_*, and Op's codes as GC_MODE_*.
        assertEquals(GradclipNative.GC_UNITS_WHOLE, dev.gradclip.Units.Layout.WHOLE.ordinal());
        assertEquals(GradclipNative.GC_UNITS_ROWS, dev.gradclip.Units.Layout.ROWS.ordinal());
        assertEquals(GradclipNative.GC_UNITS_COLUMNS, dev.gradclip.Units.Layout.COLUMNS.ordinal());
        assertEquals(GradclipNative.GC_MODE_BLOCK_RMS, dev.gradclip.internal.Op.BLOCK_RMS);
        assertEquals(GradclipNative.GC_MODE_AGC, dev.gradclip.internal.Op.AGC);
        assertEquals(GradclipNative.GC_MODE_PER_SAMPLE_FLAT, dev.gradclip.internal.Op.PER_SAMPLE_FLAT);
        assertEquals(GradclipNative.GC_MODE_PER_SAMPLE_LAYER, dev.gradclip.internal.Op.PER_SAMPLE_LAYER);
    }
}
