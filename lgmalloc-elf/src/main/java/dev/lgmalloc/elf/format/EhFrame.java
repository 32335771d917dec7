package dev.lgmalloc.elf.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the function ranges of the FDEs in {@code .eh_frame}: each gives a function's exact start and length,
 * which bound its CFG and resynchronise the decoder. Malformed records end the walk with a warning.
 */
public final class EhFrame {

    /** One FDE's code range {@code [start, end)}. */
    public record Range(long start, long end) {
    }

    private static final int DW_EH_PE_OMIT = 0xff;

    private final ElfFile elf;
    private final Section section;
    private final long end;
    private long pos;

    private EhFrame(ElfFile elf, Section section) {
        this.elf = elf;
        this.section = section;
        this.end = section.offset() + section.fileSize();
    }

    /** The FDE ranges of {@code .eh_frame}, empty when it is absent. */
    public static List<Range> functionRanges(ElfFile elf) {
        Section section = elf.section(".eh_frame");
        if (section == null || section.fileSize() == 0) {
            return List.of();
        }
        return new EhFrame(elf, section).read();
    }

    private List<Range> read() {
        List<Range> ranges = new ArrayList<>();
        Map<Long, Integer> cieEncodings = new HashMap<>();
        long record = section.offset();
        while (record + 4 <= end) {
            long length = elf.u32(record) & 0xffffffffL;
            long body = record + 4;
            if (length == 0) {
                break; // terminator
            }
            if (length == 0xffffffffL) {
                if (body + 8 > end) {
                    break;
                }
                length = elf.u64(body);
                body += 8;
            }
            if (length < 4 || length > end - body) {
                elf.warn(".eh_frame record at offset " + ElfFile.hex(record) + " has a bad length; FDEs after it ignored");
                break;
            }
            long next = body + length;
            long id = elf.u32(body) & 0xffffffffL;
            if (id == 0) {
                int encoding = cieFdeEncoding(body + 4, next);
                cieEncodings.put(record, encoding);
            } else {
                Integer encoding = cieEncodings.get(body - id);
                if (encoding == null) {
                    encoding = cieFdeEncodingAt(body - id);
                    cieEncodings.put(body - id, encoding);
                }
                if (encoding >= 0) {
                    pos = body + 4;
                    long start = pointer(encoding, next);
                    long size = pointer(encoding & 0x0f, next);
                    if (pos <= next && start != 0 && size > 0 && size < (1L << 32)) {
                        ranges.add(new Range(start, start + size));
                    }
                }
            }
            record = next;
        }
        return ranges;
    }

    private int cieFdeEncodingAt(long cie) {
        if (cie < section.offset() || cie + 8 > end) {
            return -1;
        }
        long length = elf.u32(cie) & 0xffffffffL;
        if (length == 0xffffffffL || length < 4 || length > end - cie - 4 || elf.u32(cie + 4) != 0) {
            return -1;
        }
        return cieFdeEncoding(cie + 8, cie + 4 + length);
    }

    /** The FDE pointer encoding of the CIE whose version byte is at {@code at}, or -1. */
    private int cieFdeEncoding(long at, long limit) {
        pos = at;
        if (pos >= limit) {
            return -1;
        }
        int version = elf.u8(pos++);
        long augStart = pos;
        while (pos < limit && elf.u8(pos) != 0) {
            pos++;
        }
        if (pos >= limit) {
            return -1;
        }
        String augmentation = elf.string(augStart, pos);
        pos++;
        if (augmentation.contains("eh")) {
            pos += 8;
        }
        uleb(limit); // code alignment
        uleb(limit); // data alignment (sleb, same length)
        if (version == 1) {
            pos++;
        } else {
            uleb(limit);
        }
        int encoding = 0; // absolute 8-byte pointers unless 'R' says otherwise
        if (!augmentation.startsWith("z")) {
            return augmentation.isEmpty() ? encoding : -1;
        }
        uleb(limit);
        for (int i = 1; i < augmentation.length() && pos < limit; i++) {
            switch (augmentation.charAt(i)) {
                case 'L' -> pos++;
                case 'R' -> encoding = elf.u8(pos++);
                case 'P' -> {
                    int personality = elf.u8(pos++);
                    pointer(personality, limit);
                }
                case 'S', 'B', 'G' -> {
                }
                default -> {
                    return encoding;
                }
            }
        }
        return pos <= limit ? encoding : -1;
    }

    /** Reads an encoded pointer at {@code pos}; pc-relative values are turned into virtual addresses. */
    private long pointer(int encoding, long limit) {
        if (encoding == DW_EH_PE_OMIT) {
            return 0;
        }
        long fieldAddress = section.address() + (pos - section.offset());
        long value;
        switch (encoding & 0x0f) {
            case 0x00, 0x04, 0x0c -> {
                value = pos + 8 <= limit ? elf.u64(pos) : 0;
                pos += 8;
            }
            case 0x02 -> {
                value = pos + 2 <= limit ? elf.u16(pos) : 0;
                pos += 2;
            }
            case 0x0a -> {
                value = pos + 2 <= limit ? (short) elf.u16(pos) : 0;
                pos += 2;
            }
            case 0x03 -> {
                value = pos + 4 <= limit ? elf.u32(pos) & 0xffffffffL : 0;
                pos += 4;
            }
            case 0x0b -> {
                value = pos + 4 <= limit ? elf.u32(pos) : 0;
                pos += 4;
            }
            case 0x01 -> value = uleb(limit);
            case 0x09 -> value = sleb(limit);
            default -> {
                pos = limit + 1; // unknown format: mark the record unreadable
                return 0;
            }
        }
        if ((encoding & 0x70) == 0x10) {
            value += fieldAddress;
        }
        return value;
    }

    private long uleb(long limit) {
        long result = 0;
        int shift = 0;
        while (pos < limit) {
            int b = elf.u8(pos++);
            if (shift < 64) {
                result |= (long) (b & 0x7f) << shift;
            }
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return result;
    }

    private long sleb(long limit) {
        long result = 0;
        int shift = 0;
        int b = 0;
        while (pos < limit) {
            b = elf.u8(pos++);
            if (shift < 64) {
                result |= (long) (b & 0x7f) << shift;
            }
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (shift < 64 && (b & 0x40) != 0) {
            result |= -1L << shift;
        }
        return result;
    }
}
