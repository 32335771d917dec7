package dev.lgmalloc.elf.isa.x86;

import java.nio.ByteBuffer;

/**
 * A complete x86-64 (64-bit mode) instruction decoder: legacy prefixes, REX, the one-byte, 0F, 0F38, 0F3A and
 * 3DNow maps, VEX (C4/C5), EVEX (62) and XOP (8F), ModRM/SIB/displacement and every immediate size quirk.
 * It decodes lengths for all instructions and the operand fields the dataflow needs; it does not name
 * mnemonics. Undefined opcodes in 64-bit mode decode as invalid so a sweep can step over them.
 */
public final class X86Decoder {

    /** Longest legal instruction. */
    public static final int MAX_LENGTH = 15;

    private static final int MODRM = 0x100;
    private static final int INVALID = 0x200;
    private static final int I_NONE = 0;
    private static final int I_B = 1;
    private static final int I_W = 2;
    private static final int I_Z = 3;        // 2 bytes with 66, else 4
    private static final int I_V = 4;        // B8+r: 8 bytes with REX.W
    private static final int I_MOFFS = 5;    // 8 bytes, 4 with 67
    private static final int I_ENTER = 6;    // iw, ib
    private static final int I_GROUP3 = 7;   // F6/F7: immediate only for /0 and /1 (test)
    private static final int I_REL8 = 8;
    private static final int I_RELZ = 9;     // rel32, rel16 with 66 (as objdump decodes it)

    private static final int[] ONE_BYTE = new int[256];
    private static final int[] TWO_BYTE = new int[256];

    static {
        for (int row = 0; row < 8; row++) { // the eight ALU rows 00-3F
            int b = row * 8;
            ONE_BYTE[b] = ONE_BYTE[b + 1] = ONE_BYTE[b + 2] = ONE_BYTE[b + 3] = MODRM;
            ONE_BYTE[b + 4] = I_B;
            ONE_BYTE[b + 5] = I_Z;
            ONE_BYTE[b + 6] = ONE_BYTE[b + 7] = INVALID; // push/pop seg, daa, das, aaa, aas: gone in 64-bit
        }
        // 26 2E 36 3E are prefixes and 0F is the escape: handled before the table is consulted.
        ONE_BYTE[0x60] = ONE_BYTE[0x61] = INVALID;
        ONE_BYTE[0x63] = MODRM;
        ONE_BYTE[0x68] = I_Z;
        ONE_BYTE[0x69] = MODRM | I_Z;
        ONE_BYTE[0x6a] = I_B;
        ONE_BYTE[0x6b] = MODRM | I_B;
        for (int b = 0x70; b <= 0x7f; b++) {
            ONE_BYTE[b] = I_REL8;
        }
        ONE_BYTE[0x80] = MODRM | I_B;
        ONE_BYTE[0x81] = MODRM | I_Z;
        ONE_BYTE[0x82] = INVALID;
        ONE_BYTE[0x83] = MODRM | I_B;
        for (int b = 0x84; b <= 0x8f; b++) {
            ONE_BYTE[b] = MODRM;
        }
        ONE_BYTE[0x9a] = INVALID;
        ONE_BYTE[0xa0] = ONE_BYTE[0xa1] = ONE_BYTE[0xa2] = ONE_BYTE[0xa3] = I_MOFFS;
        ONE_BYTE[0xa8] = I_B;
        ONE_BYTE[0xa9] = I_Z;
        for (int b = 0xb0; b <= 0xb7; b++) {
            ONE_BYTE[b] = I_B;
        }
        for (int b = 0xb8; b <= 0xbf; b++) {
            ONE_BYTE[b] = I_V;
        }
        ONE_BYTE[0xc0] = ONE_BYTE[0xc1] = MODRM | I_B;
        ONE_BYTE[0xc2] = I_W;
        ONE_BYTE[0xc6] = MODRM | I_B;
        ONE_BYTE[0xc7] = MODRM | I_Z;
        ONE_BYTE[0xc8] = I_ENTER;
        ONE_BYTE[0xca] = I_W;
        ONE_BYTE[0xcd] = I_B;
        ONE_BYTE[0xce] = INVALID;
        ONE_BYTE[0xd0] = ONE_BYTE[0xd1] = ONE_BYTE[0xd2] = ONE_BYTE[0xd3] = MODRM;
        ONE_BYTE[0xd4] = ONE_BYTE[0xd5] = ONE_BYTE[0xd6] = INVALID;
        for (int b = 0xd8; b <= 0xdf; b++) {
            ONE_BYTE[b] = MODRM; // x87
        }
        for (int b = 0xe0; b <= 0xe3; b++) {
            ONE_BYTE[b] = I_REL8; // loopne, loope, loop, jrcxz
        }
        ONE_BYTE[0xe4] = ONE_BYTE[0xe5] = ONE_BYTE[0xe6] = ONE_BYTE[0xe7] = I_B;
        ONE_BYTE[0xe8] = ONE_BYTE[0xe9] = I_RELZ;
        ONE_BYTE[0xea] = INVALID;
        ONE_BYTE[0xeb] = I_REL8;
        ONE_BYTE[0xf6] = ONE_BYTE[0xf7] = MODRM | I_GROUP3;
        ONE_BYTE[0xfe] = ONE_BYTE[0xff] = MODRM;

        for (int b = 0; b < 256; b++) {
            TWO_BYTE[b] = MODRM; // most of the 0F map has a ModRM byte and no immediate
        }
        for (int b : new int[] {0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e,
            0x3f, 0x7a, 0x7b, 0xa6, 0xa7}) {
            TWO_BYTE[b] = INVALID;
        }
        for (int b : new int[] {0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
            0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa}) {
            TWO_BYTE[b] = I_NONE;
        }
        for (int b = 0xc8; b <= 0xcf; b++) {
            TWO_BYTE[b] = I_NONE; // bswap
        }
        for (int b = 0x80; b <= 0x8f; b++) {
            TWO_BYTE[b] = I_RELZ; // jcc rel32
        }
        for (int b : new int[] {0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6}) {
            TWO_BYTE[b] = MODRM | I_B;
        }
    }

    private X86Decoder() {
    }

    /**
     * Decodes the instruction at {@code code[pos]} (virtual address {@code address}), reading no byte at or beyond
     * {@code end}.
     *
     * @return its length, or 0 when the bytes are not a valid 64-bit-mode instruction or run past {@code end}
     */
    public static int decode(ByteBuffer code, int pos, int end, long address, X86Instruction insn) {
        insn.reset(address);
        int limit = Math.min(end, pos + MAX_LENGTH);
        int p = pos;
        if (p + 1 < limit && (code.get(p) & 0xff) == 0x9b && (code.get(p + 1) & 0xf8) == 0xd8) {
            p++; // fwait before an x87 instruction: one instruction, as objdump shows it (fstenv, fstsw, ...)
        }
        int b;
        while (true) { // legacy prefixes, any order, any number up to the length limit
            if (p >= limit) {
                return 0;
            }
            b = code.get(p) & 0xff;
            switch (b) {
                case 0x66 -> insn.operandSizePrefix = true;
                case 0x67 -> insn.addressSizePrefix = true;
                case 0xf0 -> insn.lockPrefix = true;
                case 0xf2 -> {
                    insn.repnePrefix = true;
                    insn.repPrefix = false;
                }
                case 0xf3 -> {
                    insn.repPrefix = true;
                    insn.repnePrefix = false;
                }
                case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 -> {
                }
                default -> {
                    break;
                }
            }
            if (!isLegacyPrefix(b)) {
                break;
            }
            p++;
        }
        int rex = 0;
        if ((b & 0xf0) == 0x40) {
            rex = b;
            p++;
            if (p >= limit) {
                return 0;
            }
            b = code.get(p) & 0xff;
            if (isLegacyPrefix(b) || (b & 0xf0) == 0x40) {
                return 0; // a REX must come last; objdump shows such a REX on its own
            }
        }
        insn.rex = rex;
        insn.rexW = (rex & 8) != 0;
        insn.rexB = rex & 1;
        p++;
        int length;
        switch (b) {
            case 0x0f -> length = decodeEscape(code, p, limit, rex, insn);
            case 0xc4, 0xc5 -> length = decodeVex(code, p, limit, b, insn);
            case 0x62 -> length = decodeEvex(code, p, limit, insn);
            case 0x8f -> length = p < limit && (code.get(p) & 0x1f) >= 8 ? decodeXop(code, p, limit, insn)
                    : decodeTable(code, p, limit, rex, MAP_ONE_ID, b, ONE_BYTE[b], insn);
            default -> length = decodeTable(code, p, limit, rex, MAP_ONE_ID, b, ONE_BYTE[b], insn);
        }
        if (length <= 0) {
            return 0;
        }
        int total = length - pos;
        if (total > MAX_LENGTH) {
            return 0;
        }
        insn.length = total;
        if (insn.relativeBranch) {
            insn.branchTarget = address + total + insn.immediate;
        }
        return total;
    }

    private static final int MAP_ONE_ID = X86Instruction.MAP_ONE;

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 -> true;
            default -> false;
        };
    }

    private static int decodeEscape(ByteBuffer code, int p, int limit, int rex, X86Instruction insn) {
        if (p >= limit) {
            return -1;
        }
        int b = code.get(p++) & 0xff;
        if (b == 0x38 || b == 0x3a) {
            if (p >= limit) {
                return -1;
            }
            int op = code.get(p++) & 0xff;
            return decodeTable(code, p, limit, rex, b == 0x38 ? X86Instruction.MAP_0F38 : X86Instruction.MAP_0F3A, op,
                    b == 0x38 ? MODRM : MODRM | I_B, insn);
        }
        if (b == 0x0f) { // 3DNow: ModRM, then the real opcode as an immediate byte
            return decodeTable(code, p, limit, rex, X86Instruction.MAP_3DNOW, b, MODRM | I_B, insn);
        }
        int flags = TWO_BYTE[b];
        if (b == 0x78 && (insn.operandSizePrefix || insn.repnePrefix)) {
            flags = MODRM | I_W; // AMD SSE4a extrq/insertq: two immediate bytes
        }
        return decodeTable(code, p, limit, rex, X86Instruction.MAP_0F, b, flags, insn);
    }

    /** Decodes ModRM, SIB, displacement and immediate for a legacy opcode; returns the end position or -1. */
    private static int decodeTable(ByteBuffer code, int p, int limit, int rex, int map, int op, int flags,
                                   X86Instruction insn) {
        if ((flags & INVALID) != 0) {
            return -1;
        }
        insn.encoding = X86Instruction.LEGACY;
        insn.map = map;
        insn.opcode = op;
        if ((flags & MODRM) != 0) {
            boolean forceRegister = map == X86Instruction.MAP_0F && op >= 0x20 && op <= 0x23; // mov cr/dr
            p = decodeModrm(code, p, limit, (rex >> 2) & 1, (rex >> 1) & 1, rex & 1, forceRegister, insn);
            if (p < 0) {
                return -1;
            }
        }
        int kind = flags & 0xff;
        int size = switch (kind) {
            case I_NONE -> 0;
            case I_B, I_REL8 -> 1;
            case I_W -> 2;
            case I_Z -> insn.operandSizePrefix && !insn.rexW ? 2 : 4;
            case I_RELZ -> insn.operandSizePrefix && !insn.rexW ? 2 : 4;
            case I_V -> insn.rexW ? 8 : insn.operandSizePrefix ? 2 : 4;
            case I_MOFFS -> insn.addressSizePrefix ? 4 : 8;
            case I_ENTER -> 3;
            case I_GROUP3 -> insn.digit() > 1 ? 0 : op == 0xf6 ? 1 : insn.operandSizePrefix && !insn.rexW ? 2 : 4;
            default -> throw new IllegalStateException("immediate kind " + kind);
        };
        if (p + size > limit) {
            return -1;
        }
        if (kind == I_ENTER) {
            insn.immediate = code.getShort(p) & 0xffff;
            insn.immediate2 = code.get(p + 2) & 0xff;
            insn.immediateSize = 2;
        } else if (kind == I_W && map == X86Instruction.MAP_0F) {
            insn.immediate = code.get(p) & 0xff;
            insn.immediate2 = code.get(p + 1) & 0xff;
            insn.immediateSize = 1;
        } else {
            insn.immediate = readSigned(code, p, size);
            insn.immediateSize = size;
            if (kind == I_W && size == 2) {
                insn.immediate &= 0xffff;
            }
        }
        insn.relativeBranch = kind == I_REL8 || kind == I_RELZ;
        return p + size;
    }

    private static long readSigned(ByteBuffer code, int p, int size) {
        return switch (size) {
            case 0 -> 0;
            case 1 -> code.get(p);
            case 2 -> code.getShort(p);
            case 4 -> code.getInt(p);
            case 8 -> code.getLong(p);
            default -> throw new IllegalStateException("size " + size);
        };
    }

    private static int decodeModrm(ByteBuffer code, int p, int limit, int r, int x, int bExt, boolean forceRegister,
                                   X86Instruction insn) {
        if (p >= limit) {
            return -1;
        }
        int modrm = code.get(p++) & 0xff;
        insn.hasModrm = true;
        insn.mod = forceRegister ? 3 : modrm >>> 6;
        insn.reg = ((modrm >>> 3) & 7) | (r << 3);
        int rmField = modrm & 7;
        if (insn.mod == 3) {
            insn.rm = rmField | (bExt << 3);
            return p;
        }
        int dispSize = insn.mod == 1 ? 1 : insn.mod == 2 ? 4 : 0;
        if (rmField == 4) {
            if (p >= limit) {
                return -1;
            }
            int sib = code.get(p++) & 0xff;
            int index = ((sib >>> 3) & 7) | (x << 3);
            int base = sib & 7;
            insn.memScale = 1 << (sib >>> 6);
            insn.memIndex = index == 4 ? X86Instruction.NONE : index;
            if (base == 5 && insn.mod == 0) {
                insn.memBase = X86Instruction.NONE;
                dispSize = 4;
            } else {
                insn.memBase = base | (bExt << 3);
            }
        } else if (rmField == 5 && insn.mod == 0) {
            insn.memBase = X86Instruction.RIP;
            dispSize = 4;
        } else {
            insn.memBase = rmField | (bExt << 3);
        }
        if (p + dispSize > limit) {
            return -1;
        }
        insn.displacement = readSigned(code, p, dispSize);
        return p + dispSize;
    }

    private static boolean takesImmediateInVectorMap1(int op) {
        return op == 0x70 || op == 0x71 || op == 0x72 || op == 0x73 || op == 0xc2 || op == 0xc4 || op == 0xc5
                || op == 0xc6;
    }

    private static int decodeVex(ByteBuffer code, int p, int limit, int first, X86Instruction insn) {
        int r;
        int x = 0;
        int bExt = 0;
        int map;
        int second;
        if (first == 0xc5) {
            if (p >= limit) {
                return -1;
            }
            second = code.get(p++) & 0xff;
            r = ((second >>> 7) & 1) ^ 1;
            map = 1;
        } else {
            if (p + 1 >= limit) {
                return -1;
            }
            int b1 = code.get(p++) & 0xff;
            second = code.get(p++) & 0xff;
            r = ((b1 >>> 7) & 1) ^ 1;
            x = ((b1 >>> 6) & 1) ^ 1;
            bExt = ((b1 >>> 5) & 1) ^ 1;
            map = b1 & 0x1f;
            insn.rexW = (second & 0x80) != 0;
            if (map < 1 || map > 3) {
                return -1;
            }
        }
        insn.vvvv = (~second >>> 3) & 0xf;
        if (p >= limit) {
            return -1;
        }
        int op = code.get(p++) & 0xff;
        insn.encoding = X86Instruction.VEX;
        insn.map = map;
        insn.opcode = op;
        insn.rexB = bExt;
        if (!(map == 1 && op == 0x77)) { // vzeroupper/vzeroall have no ModRM
            p = decodeModrm(code, p, limit, r, x, bExt, false, insn);
            if (p < 0) {
                return -1;
            }
        }
        boolean imm = map == 3 || map == 1 && takesImmediateInVectorMap1(op);
        return immediateByte(code, p, limit, imm, insn);
    }

    private static int decodeEvex(ByteBuffer code, int p, int limit, X86Instruction insn) {
        if (p + 3 >= limit) {
            return -1;
        }
        int p0 = code.get(p) & 0xff;
        int p1 = code.get(p + 1) & 0xff;
        int p2 = code.get(p + 2) & 0xff;
        p += 3;
        if ((p1 & 0x04) == 0) {
            return -1; // the fixed bit of P1 must be set
        }
        int map = p0 & 0x7;
        if (map == 0 || map == 4 || map == 7) {
            return -1;
        }
        int op = code.get(p++) & 0xff;
        insn.encoding = X86Instruction.EVEX;
        insn.map = map;
        insn.opcode = op;
        insn.rexW = (p1 & 0x80) != 0;
        insn.vvvv = ((~p1 >>> 3) & 0xf) | (((~p2 >>> 3) & 1) << 4);
        int r = ((p0 >>> 7) & 1) ^ 1;
        int x = ((p0 >>> 6) & 1) ^ 1;
        int bExt = ((p0 >>> 5) & 1) ^ 1;
        insn.rexB = bExt;
        p = decodeModrm(code, p, limit, r, x, bExt, false, insn);
        if (p < 0) {
            return -1;
        }
        boolean imm = map == 3 || map == 1 && takesImmediateInVectorMap1(op);
        return immediateByte(code, p, limit, imm, insn);
    }

    private static int decodeXop(ByteBuffer code, int p, int limit, X86Instruction insn) {
        if (p + 2 >= limit) {
            return -1;
        }
        int b1 = code.get(p) & 0xff;
        int b2 = code.get(p + 1) & 0xff;
        int op = code.get(p + 2) & 0xff;
        p += 3;
        int map = b1 & 0x1f;
        if (map != 8 && map != 9 && map != 10) {
            return -1;
        }
        insn.encoding = X86Instruction.XOP;
        insn.map = map;
        insn.opcode = op;
        insn.rexW = (b2 & 0x80) != 0;
        insn.vvvv = (~b2 >>> 3) & 0xf;
        int bExt = ((b1 >>> 5) & 1) ^ 1;
        insn.rexB = bExt;
        p = decodeModrm(code, p, limit, ((b1 >>> 7) & 1) ^ 1, ((b1 >>> 6) & 1) ^ 1, bExt, false, insn);
        if (p < 0) {
            return -1;
        }
        int size = map == 8 ? 1 : map == 10 ? 4 : 0;
        if (p + size > limit) {
            return -1;
        }
        insn.immediate = readSigned(code, p, size);
        insn.immediateSize = size;
        return p + size;
    }

    private static int immediateByte(ByteBuffer code, int p, int limit, boolean present, X86Instruction insn) {
        if (!present) {
            return p;
        }
        if (p >= limit) {
            return -1;
        }
        insn.immediate = code.get(p) & 0xff;
        insn.immediateSize = 1;
        return p + 1;
    }
}
