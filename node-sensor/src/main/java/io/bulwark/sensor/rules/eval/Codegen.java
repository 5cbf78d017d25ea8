package io.bulwark.sensor.rules.eval;

import io.bulwark.sensor.rules.fields.EventView;
import io.bulwark.sensor.rules.fields.Extractor;
import java.lang.invoke.MethodHandles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Generates the plans of one event type as a hidden class ({@link PlanCode}): one method per plan, per macro
 * (with its memo slot) and per field (with its value slot); {@code and}/{@code or}/{@code not} become branches;
 * each test calls its node's value test ({@code on}) with the value read at a call site of its own. The
 * interpreted tree pays a megamorphic virtual call per node and per field read (every rule goes through the
 * same few call sites); here each site sees one class, and the JIT inlines the extractors, the tests and the
 * memo checks into the plan.
 *
 * <p>Same results as the node tree by construction: the generated code calls the very nodes' {@code on}
 * methods (the tree's {@code test} is {@code on(field.get(ev))}), the very extractors, the same memo slots
 * through the same helpers ({@link Preds.Memo#lookup}, {@link SlotSpace.CachedField#lookup}), and evaluates
 * {@code and}/{@code or} operands in the same order with the same three-valued rules ({@code
 * EngineEquivalenceTest} compares both, and the plain walk, on every rule file we ship or test).
 *
 * <p>Off (the engine walks the tree) when {@code -Dbulwark.rules.codegen=false}, in a GraalVM native image
 * (which cannot define classes at run time), for a type with more than {@link #MAX_PLANS} rules, and if
 * generation fails for any reason.
 */
final class Codegen {
    /** Plans per type above which the tree is walked (the dispatch method's size). */
    static final int MAX_PLANS = 500;
    /** Unguarded rules checked in one part of the generated dispatch. */
    private static final int PART = 64;
    /** Terms of an {@code and}/{@code or} generated in one method; more are split into methods of this many. */
    private static final int CHUNK = 24;
    /** Nodes inlined into one method before compound operands get methods of their own (keeps methods JIT-compilable). */
    private static final int BUDGET = 160;

    private static final String PKG = "io/bulwark/sensor/rules/eval/";
    private static final String SELF = PKG + "PlanCodeGen";
    private static final String SUPER = PKG + "PlanCode";
    private static final String VIEW = Type.getInternalName(EventView.class);
    private static final String VIEW_D = "L" + VIEW + ";";
    private static final String EXTRACTOR = Type.getInternalName(Extractor.class);
    private static final String SLOTS = PKG + "SlotSpace";
    private static final String CACHED = PKG + "SlotSpace$CachedField";
    private static final String MEMO = PKG + "Preds$Memo";
    private static final String PRED = PKG + "Pred";
    private static final String VALUE_TEST = PKG + "Preds$ValueTest";
    private static final String OBJ = "java/lang/Object";

    private Codegen() {}

    /** Whether plans are generated (see the class comment). */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty("bulwark.rules.codegen", "true"))
                && System.getProperty("org.graalvm.nativeimage.imagecode") == null;
    }

    /** Generated code for {@code plans}, or null (nothing to generate, generation off or failed: walk the tree). */
    static PlanCode compile(Pred[] plans, int[] always, Dispatch.Group[] groups, Dispatch.MemoGroup[] memoGroups) {
        if (plans.length == 0 || plans.length > MAX_PLANS || !enabled()) {
            return null;
        }
        try {
            return new Codegen.Gen(plans, always, groups, memoGroups).define();
        } catch (RuntimeException | LinkageError | ReflectiveOperationException e) {
            System.getLogger(Codegen.class.getName()).log(System.Logger.Level.WARNING,
                    "rule plans not generated, walking the condition tree instead: " + e);
            return null;
        }
    }

    /** One class being generated. */
    private static final class Gen {
        private final Pred[] plans;
        private final int[] always;
        private final Dispatch.Group[] groups;
        private final Dispatch.MemoGroup[] memoGroups;
        private final ClassWriter cw;
        /** Constants the class holds in final fields c0, c1 … (nodes, extractors, slot spaces), by identity. */
        private final List<Object> consts = new ArrayList<>();
        private final List<String> constTypes = new ArrayList<>();
        private final Map<Object, Integer> constIndex = new IdentityHashMap<>();
        /** Method names of fields (by extractor), macros (by slot) and split-off subtrees (by node). */
        private final Map<Extractor, String> fieldMethods = new IdentityHashMap<>();
        private final Map<List<Object>, String> memoMethods = new HashMap<>();
        private final Map<Pred, String> subMethods = new IdentityHashMap<>();
        /** Methods named but not yet written. */
        private final Deque<Runnable> pending = new ArrayDeque<>();
        private int methodCount;

        Gen(Pred[] plans, int[] always, Dispatch.Group[] groups, Dispatch.MemoGroup[] memoGroups) {
            this.plans = plans;
            this.always = always;
            this.groups = groups;
            this.memoGroups = memoGroups;
            this.cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
                @Override
                protected String getCommonSuperClass(String a, String b) {
                    return OBJ; // only ever asked for reference merges, which the generated code never reads back
                }
            };
        }

        PlanCode define() throws ReflectiveOperationException {
            cw.visit(Opcodes.V17, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, SELF, null, SUPER, null);
            for (int i = 0; i < plans.length; i++) {
                String name = "p" + i;
                Pred p = plans[i];
                method(name, m -> {
                    emit(m, p, true);
                    m.mv.visitInsn(Opcodes.IRETURN);
                });
            }
            dispatchMethod();
            matchMethod();
            while (!pending.isEmpty()) {
                pending.pop().run();
            }
            constructor();
            cw.visitEnd();
            MethodHandles.Lookup l = MethodHandles.lookup().defineHiddenClass(cw.toByteArray(), true);
            return (PlanCode) l.lookupClass().getDeclaredConstructor(Object[].class).newInstance((Object) consts.toArray());
        }

        /** test(int, EventView): a tableswitch onto the plan methods. */
        private void dispatchMethod() {
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "test", "(I" + VIEW_D + ")I", null, null);
            mv.visitCode();
            Label dflt = new Label();
            Label[] cases = new Label[plans.length];
            for (int i = 0; i < cases.length; i++) {
                cases[i] = new Label();
            }
            mv.visitVarInsn(Opcodes.ILOAD, 1);
            mv.visitTableSwitchInsn(0, plans.length - 1, dflt, cases);
            for (int i = 0; i < cases.length; i++) {
                mv.visitLabel(cases[i]);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, 2);
                mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SELF, "p" + i, "(" + VIEW_D + ")I", false);
                mv.visitInsn(Opcodes.IRETURN);
            }
            mv.visitLabel(dflt);
            mv.visitTypeInsn(Opcodes.NEW, "java/lang/IndexOutOfBoundsException");
            mv.visitInsn(Opcodes.DUP);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/IndexOutOfBoundsException", "<init>", "()V", false);
            mv.visitInsn(Opcodes.ATHROW);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        private static final String PART_D = "(" + VIEW_D + "[II)I";

        /**
         * match(EventView, int[]): as {@link Dispatch#match} — the unguarded rules, then each guard group (its field
         * read once, {@link Dispatch#select} picks the candidates), then each macro group (its macro once) — in parts
         * of their own, each {@code (ev, out, n) -> n}.
         */
        private void matchMethod() {
            List<String> parts = new ArrayList<>();
            for (int k = 0; k < always.length; k += PART) {
                int[] rs = Arrays.copyOfRange(always, k, Math.min(always.length, k + PART));
                String name = fresh("a");
                parts.add(name);
                part(name, m -> {
                    for (int i : rs) {
                        hitIf(m, i);
                    }
                });
            }
            for (Dispatch.Group g : groups) {
                String name = fresh("g");
                parts.add(name);
                part(name, m -> {
                    MethodVisitor mv = m.mv;
                    int cand = m.local();
                    int j = m.local();
                    int i = m.local();
                    constant(mv, g, PKG + "Dispatch$Group");
                    field(m, g.field);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, PKG + "Dispatch", "select", "(L" + PKG + "Dispatch$Group;L" + OBJ + ";)[I", false);
                    mv.visitVarInsn(Opcodes.ASTORE, cand);
                    push(mv, 0);
                    mv.visitVarInsn(Opcodes.ISTORE, j);
                    Label loop = new Label();
                    Label end = new Label();
                    Label skip = new Label();
                    mv.visitLabel(loop);
                    mv.visitVarInsn(Opcodes.ILOAD, j);
                    mv.visitVarInsn(Opcodes.ALOAD, cand);
                    mv.visitInsn(Opcodes.ARRAYLENGTH);
                    mv.visitJumpInsn(Opcodes.IF_ICMPGE, end);
                    mv.visitVarInsn(Opcodes.ALOAD, cand);
                    mv.visitVarInsn(Opcodes.ILOAD, j);
                    mv.visitInsn(Opcodes.IALOAD);
                    mv.visitVarInsn(Opcodes.ISTORE, i);
                    mv.visitVarInsn(Opcodes.ALOAD, 0);
                    mv.visitVarInsn(Opcodes.ILOAD, i);
                    mv.visitVarInsn(Opcodes.ALOAD, 1);
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, SELF, "test", "(I" + VIEW_D + ")I", false);
                    push(mv, Pred.TRUE);
                    mv.visitJumpInsn(Opcodes.IF_ICMPNE, skip);
                    mv.visitVarInsn(Opcodes.ALOAD, 2);
                    mv.visitVarInsn(Opcodes.ILOAD, 3);
                    mv.visitVarInsn(Opcodes.ILOAD, i);
                    mv.visitInsn(Opcodes.IASTORE);
                    mv.visitIincInsn(3, 1);
                    mv.visitLabel(skip);
                    mv.visitIincInsn(j, 1);
                    mv.visitJumpInsn(Opcodes.GOTO, loop);
                    mv.visitLabel(end);
                });
            }
            for (Dispatch.MemoGroup g : memoGroups) {
                String name = fresh("mg");
                parts.add(name);
                part(name, m -> {
                    MethodVisitor mv = m.mv;
                    Label end = new Label();
                    emit(m, g.macro, true);
                    push(mv, Pred.TRUE);
                    mv.visitJumpInsn(Opcodes.IF_ICMPNE, end);
                    for (int i : g.rules) {
                        hitIf(m, i);
                    }
                    mv.visitLabel(end);
                });
            }
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "match", "(" + VIEW_D + "[I)I", null, null);
            mv.visitCode();
            push(mv, 0);
            for (String part : parts) {
                mv.visitVarInsn(Opcodes.ISTORE, 3);
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                mv.visitVarInsn(Opcodes.ALOAD, 2);
                mv.visitVarInsn(Opcodes.ILOAD, 3);
                mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SELF, part, PART_D, false);
            }
            mv.visitInsn(Opcodes.IRETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** A part of match: {@code (ev, out, n)}, body, returns n. */
        private void part(String name, Body body) {
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PRIVATE, name, PART_D, null, null);
            mv.visitCode();
            M m = new M(mv);
            m.nextLocal = 4;
            body.write(m);
            mv.visitVarInsn(Opcodes.ILOAD, 3);
            mv.visitInsn(Opcodes.IRETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** {@code if (p_i(ev) == TRUE) out[n++] = i;} */
        private static void hitIf(M m, int i) {
            MethodVisitor mv = m.mv;
            Label skip = new Label();
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SELF, "p" + i, "(" + VIEW_D + ")I", false);
            push(mv, Pred.TRUE);
            mv.visitJumpInsn(Opcodes.IF_ICMPNE, skip);
            mv.visitVarInsn(Opcodes.ALOAD, 2);
            mv.visitVarInsn(Opcodes.ILOAD, 3);
            push(mv, i);
            mv.visitInsn(Opcodes.IASTORE);
            mv.visitIincInsn(3, 1);
            mv.visitLabel(skip);
        }

        private void constructor() {
            for (int k = 0; k < consts.size(); k++) {
                cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "c" + k, "L" + constTypes.get(k) + ";", null, null).visitEnd();
            }
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "([Ljava/lang/Object;)V", null, null);
            mv.visitCode();
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SUPER, "<init>", "()V", false);
            for (int k = 0; k < consts.size(); k++) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                push(mv, k);
                mv.visitInsn(Opcodes.AALOAD);
                mv.visitTypeInsn(Opcodes.CHECKCAST, constTypes.get(k));
                mv.visitFieldInsn(Opcodes.PUTFIELD, SELF, "c" + k, "L" + constTypes.get(k) + ";");
            }
            mv.visitInsn(Opcodes.RETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** A method being written: its visitor, next free local, inlining budget. */
        private static final class M {
            final MethodVisitor mv;
            int nextLocal = 2;
            int budget = BUDGET;

            M(MethodVisitor mv) {
                this.mv = mv;
            }

            int local() {
                return nextLocal++;
            }
        }

        private interface Body {
            void write(M m);
        }

        /** A private method {@code name(EventView)} returning int or Object, written now. */
        private void method(String name, Body body) {
            method(name, "I", body);
        }

        private void method(String name, String ret, Body body) {
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PRIVATE, name, "(" + VIEW_D + ")" + ret, null, null);
            mv.visitCode();
            body.write(new M(mv));
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** Pushes {@code this.cK} (declared as {@code type}) for constant {@code o}. */
        private void constant(MethodVisitor mv, Object o, String type) {
            Integer k = constIndex.get(o);
            if (k == null) {
                k = consts.size();
                consts.add(o);
                constTypes.add(type);
                constIndex.put(o, k);
            } else if (!constTypes.get(k).equals(type)) {
                throw new IllegalStateException("constant used as two types: " + o);
            }
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, SELF, "c" + k, "L" + type + ";");
        }

        private static void push(MethodVisitor mv, int v) {
            if (v >= -1 && v <= 5) {
                mv.visitInsn(Opcodes.ICONST_0 + v);
            } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
                mv.visitIntInsn(Opcodes.SIPUSH, v);
            } else {
                mv.visitLdcInsn(v);
            }
        }

        private String fresh(String prefix) {
            return prefix + methodCount++;
        }

        /** Emits code leaving {@code p}'s result (FALSE/TRUE/UNKNOWN) on the stack. */
        private void emit(M m, Pred p, boolean root) {
            MethodVisitor mv = m.mv;
            if (p instanceof Preds.Const c) {
                push(mv, c.value);
            } else if (p instanceof Preds.Memo memo) {
                call(m, memoMethod(memo));
            } else if (p instanceof Preds.And a) {
                junction(m, p, a.terms(), true, root);
            } else if (p instanceof Preds.Or o) {
                junction(m, p, o.terms(), false, root);
            } else if (p instanceof Preds.Not n) {
                m.budget--;
                emit(m, n.term(), false);
                int x = m.local();
                Label unknown = new Label();
                Label end = new Label();
                mv.visitVarInsn(Opcodes.ISTORE, x);
                mv.visitVarInsn(Opcodes.ILOAD, x);
                push(mv, Pred.UNKNOWN);
                mv.visitJumpInsn(Opcodes.IF_ICMPEQ, unknown);
                push(mv, 1);
                mv.visitVarInsn(Opcodes.ILOAD, x);
                mv.visitInsn(Opcodes.ISUB);
                mv.visitJumpInsn(Opcodes.GOTO, end);
                mv.visitLabel(unknown);
                push(mv, Pred.UNKNOWN);
                mv.visitLabel(end);
            } else {
                m.budget--;
                leaf(m, p);
            }
        }

        /**
         * and ({@code and = true}) / or, as the interpreted nodes: operands in order; and: FALSE at the first FALSE,
         * else UNKNOWN if one was, else TRUE; or: dually. Wide ones are split into methods of {@link #CHUNK} operands
         * (the same operands in the same order: the three-valued and/or are associative), deep ones into methods once
         * the method's budget is spent.
         */
        private void junction(M m, Pred node, Pred[] terms, boolean and, boolean root) {
            if (!root && weight(node) > m.budget) {
                call(m, subMethod(node));
                return;
            }
            if (terms.length > CHUNK) {
                List<Pred> chunks = new ArrayList<>();
                for (int k = 0; k < terms.length; k += CHUNK) {
                    Pred[] part = Arrays.copyOfRange(terms, k, Math.min(terms.length, k + CHUNK));
                    chunks.add(and ? new Preds.And(part) : new Preds.Or(part));
                }
                Pred[] cs = chunks.toArray(new Pred[0]);
                for (Pred c : cs) {
                    subMethods.put(c, fresh("s"));
                    String name = subMethods.get(c);
                    pending.push(() -> method(name, mm -> {
                        emit(mm, c, true);
                        mm.mv.visitInsn(Opcodes.IRETURN);
                    }));
                }
                terms = cs;
            }
            m.budget--;
            MethodVisitor mv = m.mv;
            int r = m.local();
            int x = m.local();
            int absorbing = and ? Pred.FALSE : Pred.TRUE;
            Label decided = new Label();
            Label end = new Label();
            push(mv, and ? Pred.TRUE : Pred.FALSE);
            mv.visitVarInsn(Opcodes.ISTORE, r);
            for (Pred t : terms) {
                emit(m, t, false);
                mv.visitVarInsn(Opcodes.ISTORE, x);
                mv.visitVarInsn(Opcodes.ILOAD, x);
                push(mv, absorbing);
                mv.visitJumpInsn(Opcodes.IF_ICMPEQ, decided);
                Label next = new Label();
                mv.visitVarInsn(Opcodes.ILOAD, x);
                push(mv, Pred.UNKNOWN);
                mv.visitJumpInsn(Opcodes.IF_ICMPNE, next);
                push(mv, Pred.UNKNOWN);
                mv.visitVarInsn(Opcodes.ISTORE, r);
                mv.visitLabel(next);
            }
            mv.visitVarInsn(Opcodes.ILOAD, r);
            mv.visitJumpInsn(Opcodes.GOTO, end);
            mv.visitLabel(decided);
            push(mv, absorbing);
            mv.visitLabel(end);
        }

        /** Node count (macros count one: they are calls). */
        private static int weight(Pred p) {
            Pred[] terms = p instanceof Preds.And a ? a.terms() : p instanceof Preds.Or o ? o.terms() : null;
            if (terms != null) {
                int w = 1;
                for (Pred t : terms) {
                    w += weight(t);
                }
                return w;
            }
            return p instanceof Preds.Not n ? 1 + weight(n.term()) : 1;
        }

        private static void call(M m, String method) {
            m.mv.visitVarInsn(Opcodes.ALOAD, 0);
            m.mv.visitVarInsn(Opcodes.ALOAD, 1);
            m.mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SELF, method, "(" + VIEW_D + ")I", false);
        }

        private String subMethod(Pred node) {
            String name = subMethods.get(node);
            if (name == null) {
                String n = fresh("s");
                subMethods.put(node, n);
                pending.push(() -> method(n, mm -> {
                    emit(mm, node, true);
                    mm.mv.visitInsn(Opcodes.IRETURN);
                }));
                name = n;
            }
            return name;
        }

        /**
         * A macro's method: its memo slot, else its body then the slot filled. One per slot: the plans of one type
         * specialise a macro identically, so nodes sharing a slot compute the same thing (the memo relies on it).
         */
        private String memoMethod(Preds.Memo memo) {
            List<Object> key = List.of(memo.owner, memo.slot);
            String name = memoMethods.get(key);
            if (name != null) {
                return name;
            }
            String n = fresh("m");
            memoMethods.put(key, n);
            pending.push(() -> method(n, m -> {
                MethodVisitor mv = m.mv;
                String sig = "(" + VIEW_D + "L" + SLOTS + ";I)I";
                int x = m.local();
                Label miss = new Label();
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                constant(mv, memo.owner, SLOTS);
                push(mv, memo.slot);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, MEMO, "lookup", sig, false);
                mv.visitVarInsn(Opcodes.ISTORE, x);
                mv.visitVarInsn(Opcodes.ILOAD, x);
                mv.visitJumpInsn(Opcodes.IFLT, miss);
                mv.visitVarInsn(Opcodes.ILOAD, x);
                mv.visitInsn(Opcodes.IRETURN);
                mv.visitLabel(miss);
                emit(m, memo.inner, true);
                int r = m.local();
                mv.visitVarInsn(Opcodes.ISTORE, r);
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                constant(mv, memo.owner, SLOTS);
                push(mv, memo.slot);
                mv.visitVarInsn(Opcodes.ILOAD, r);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, MEMO, "store", "(" + VIEW_D + "L" + SLOTS + ";II)I", false);
                mv.visitInsn(Opcodes.IRETURN);
            }));
            return n;
        }

        /** A field's method (Object value): its value slot, else the extractor (its own call site) then the slot filled. */
        private String fieldMethod(Extractor ex) {
            String name = fieldMethods.get(ex);
            if (name != null) {
                return name;
            }
            String n = fresh("f");
            fieldMethods.put(ex, n);
            pending.push(() -> method(n, "L" + OBJ + ";", m -> {
                MethodVisitor mv = m.mv;
                String get = "(" + VIEW_D + ")L" + OBJ + ";";
                if (ex instanceof SlotSpace.CachedField cf) {
                    int v = m.local();
                    Label miss = new Label();
                    mv.visitVarInsn(Opcodes.ALOAD, 1);
                    constant(mv, cf.owner, SLOTS);
                    push(mv, cf.slot);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, CACHED, "lookup", "(" + VIEW_D + "L" + SLOTS + ";I)L" + OBJ + ";", false);
                    mv.visitVarInsn(Opcodes.ASTORE, v);
                    mv.visitVarInsn(Opcodes.ALOAD, v);
                    mv.visitFieldInsn(Opcodes.GETSTATIC, SLOTS, "MISS", "L" + OBJ + ";");
                    mv.visitJumpInsn(Opcodes.IF_ACMPEQ, miss);
                    mv.visitVarInsn(Opcodes.ALOAD, v);
                    mv.visitInsn(Opcodes.ARETURN);
                    mv.visitLabel(miss);
                    mv.visitVarInsn(Opcodes.ALOAD, 1);
                    constant(mv, cf.owner, SLOTS);
                    push(mv, cf.slot);
                    constant(mv, cf.inner, EXTRACTOR);
                    mv.visitVarInsn(Opcodes.ALOAD, 1);
                    mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, EXTRACTOR, "get", get, true);
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, CACHED, "store",
                            "(" + VIEW_D + "L" + SLOTS + ";IL" + OBJ + ";)L" + OBJ + ";", false);
                    mv.visitInsn(Opcodes.ARETURN);
                } else {
                    constant(mv, ex, EXTRACTOR);
                    mv.visitVarInsn(Opcodes.ALOAD, 1);
                    mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, EXTRACTOR, "get", get, true);
                    mv.visitInsn(Opcodes.ARETURN);
                }
            }));
            return n;
        }

        private void field(M m, Extractor ex) {
            String name = fieldMethod(ex);
            m.mv.visitVarInsn(Opcodes.ALOAD, 0);
            m.mv.visitVarInsn(Opcodes.ALOAD, 1);
            m.mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SELF, name, "(" + VIEW_D + ")L" + OBJ + ";", false);
        }

        /** A test: {@code node.on(value)} with the value read here; any other node through its own {@code test}. */
        private void leaf(M m, Pred p) {
            MethodVisitor mv = m.mv;
            Extractor ex = p instanceof Preds.TextEq t ? t.field()
                    : p instanceof Preds.TextIn t ? t.field()
                    : p instanceof Preds.TextStartsWith t ? t.field()
                    : p instanceof Preds.Regex t ? t.field()
                    : p instanceof Preds.BoolEq t ? t.field()
                    : p instanceof Preds.Exists t ? t.field()
                    : p instanceof Preds.Check t ? t.field()
                    : null;
            String type = Type.getInternalName(p.getClass());
            if (p instanceof Preds.Check c) {
                // r = c.pre(v); if (r < 0) r = c.t.test(v) ? TRUE : FALSE — the value test at a call site of its own
                int v = m.local();
                int r = m.local();
                Label done = new Label();
                Label no = new Label();
                field(m, ex);
                mv.visitVarInsn(Opcodes.ASTORE, v);
                constant(mv, p, type);
                mv.visitVarInsn(Opcodes.ALOAD, v);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, type, "pre", "(L" + OBJ + ";)I", false);
                mv.visitVarInsn(Opcodes.ISTORE, r);
                mv.visitVarInsn(Opcodes.ILOAD, r);
                mv.visitJumpInsn(Opcodes.IFGE, done);
                constant(mv, c.valueTest(), VALUE_TEST);
                mv.visitVarInsn(Opcodes.ALOAD, v);
                mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, VALUE_TEST, "test", "(L" + OBJ + ";)Z", true);
                mv.visitJumpInsn(Opcodes.IFEQ, no);
                push(mv, Pred.TRUE);
                mv.visitVarInsn(Opcodes.ISTORE, r);
                mv.visitJumpInsn(Opcodes.GOTO, done);
                mv.visitLabel(no);
                push(mv, Pred.FALSE);
                mv.visitVarInsn(Opcodes.ISTORE, r);
                mv.visitLabel(done);
                mv.visitVarInsn(Opcodes.ILOAD, r);
            } else if (ex != null) {
                constant(mv, p, type);
                field(m, ex);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, type, "on", "(L" + OBJ + ";)I", false);
            } else if (p instanceof Preds.FieldCompare fc) {
                constant(mv, p, type);
                field(m, fc.left());
                field(m, fc.right());
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, type, "on", "(L" + OBJ + ";L" + OBJ + ";)I", false);
            } else {
                constant(mv, p, PRED);
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, PRED, "test", "(" + VIEW_D + ")I", false);
            }
        }
    }
}
