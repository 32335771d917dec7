package dev.lgmalloc.elf.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A memory-mapped ELF64 little-endian file. Every header field that points into the file is checked
 * before use; sections that point outside the file are kept with no bytes and reported in {@link #warnings()}.
 */
public final class ElfFile {

    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;
    private static final int PT_INTERP = 3;
    private static final int MAX_SECTIONS = 65_536;
    static final int MAX_NAME = 4096;

    private final ByteBuffer data;
    /** Symbol tables already read, by section index ({@link SymbolTables} fills it). */
    final java.util.Map<Integer, java.util.List<Symbol>> symbolTables = new java.util.HashMap<>();
    private final int type;
    private final int machine;
    private final boolean hasInterpreter;
    private final List<Section> sections;
    private final List<String> warnings = new ArrayList<>();

    private ElfFile(ByteBuffer data) throws ElfFormatException {
        this.data = data;
        checkIdentity(data);
        this.type = u16(16);
        if (type != ET_EXEC && type != ET_DYN) {
            throw new ElfFormatException("ELF type " + type + " is neither an executable nor a shared object");
        }
        this.machine = u16(18);
        this.hasInterpreter = readHasInterpreter();
        this.sections = Collections.unmodifiableList(readSections());
    }

    /** Maps {@code path} and reads its headers. */
    public static ElfFile open(Path path) throws IOException, ElfFormatException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new ElfFormatException("file is larger than 2 GiB: " + size + " bytes");
            }
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return new ElfFile(map.order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    /** Reads an ELF image already in memory (tests, fuzzing). */
    public static ElfFile of(byte[] bytes) throws ElfFormatException {
        return new ElfFile(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Whether the first bytes are the ELF magic. */
    public static boolean hasMagic(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    private static void checkIdentity(ByteBuffer data) throws ElfFormatException {
        if (data.capacity() < 4) {
            throw new ElfFormatException("file is too short to be ELF (" + data.capacity() + " bytes)");
        }
        byte[] head = new byte[4];
        data.get(0, head);
        if (!hasMagic(head)) {
            throw new ElfFormatException("not an ELF file (no \\x7fELF magic)");
        }
        if (data.capacity() < 64) {
            throw new ElfFormatException("truncated ELF header (" + data.capacity() + " of 64 bytes)");
        }
        if (data.get(4) != 2) {
            throw new ElfFormatException("ELF class " + (data.get(4) & 0xff) + " is not ELF64 (2)");
        }
        if (data.get(5) != 1) {
            throw new ElfFormatException("ELF data encoding " + (data.get(5) & 0xff) + " is not little-endian (1)");
        }
    }

    private boolean readHasInterpreter() {
        long phoff = u64(32);
        int phentsize = u16(54);
        int phnum = u16(56);
        if (phentsize < 56 || !inFile(phoff, (long) phnum * phentsize)) {
            if (phnum != 0) {
                warnings.add("program headers lie outside the file; ignored");
            }
            return false;
        }
        for (int i = 0; i < phnum; i++) {
            if (u32((int) (phoff + (long) i * phentsize)) == PT_INTERP) {
                return true;
            }
        }
        return false;
    }

    private List<Section> readSections() throws ElfFormatException {
        long shoff = u64(40);
        int shentsize = u16(58);
        long shnum = u16(60);
        int shstrndx = u16(62);
        if (shoff == 0) {
            warnings.add("no section headers: nothing to analyse");
            return List.of();
        }
        if (shentsize < 64) {
            throw new ElfFormatException("section header entry size " + shentsize + " is smaller than 64");
        }
        if (shnum == 0 && inFile(shoff, 64)) {
            shnum = u64((int) shoff + 32); // extended numbering: the count lives in section 0's sh_size
        }
        if (shnum > MAX_SECTIONS || !inFile(shoff, shnum * shentsize)) {
            throw new ElfFormatException("section header table (" + Long.toUnsignedString(shnum)
                    + " entries at offset " + hex(shoff) + ") lies outside the file");
        }
        if (shstrndx == 0xffff && shnum > 0) {
            shstrndx = u32((int) shoff + 40); // extended numbering: the index lives in section 0's sh_link
        }
        long strOffset = 0;
        long strSize = 0;
        if (shstrndx > 0 && shstrndx < shnum) {
            int base = (int) (shoff + (long) shstrndx * shentsize);
            strOffset = u64(base + 24);
            strSize = u64(base + 32);
            if (!inFile(strOffset, strSize)) {
                warnings.add("section name table lies outside the file; sections are unnamed");
                strSize = 0;
            }
        }
        List<Section> result = new ArrayList<>((int) shnum);
        for (int i = 0; i < shnum; i++) {
            int base = (int) (shoff + (long) i * shentsize);
            long nameOffset = u32(base) & 0xffffffffL;
            String name = nameOffset < strSize ? string(strOffset + nameOffset, strOffset + strSize) : "";
            int sectionType = u32(base + 4);
            long flags = u64(base + 8);
            long address = u64(base + 16);
            long offset = u64(base + 24);
            long size = u64(base + 32);
            long fileSize = size;
            if (sectionType == Section.SHT_NOBITS || sectionType == 0) {
                fileSize = 0;
            } else if (!inFile(offset, size)) {
                warnings.add("section " + describe(i, name) + " (offset " + hex(offset) + ", size "
                        + Long.toUnsignedString(size) + ") lies outside the file; ignored");
                fileSize = 0;
            }
            result.add(new Section(i, name, sectionType, flags, address, offset, size, fileSize,
                    u32(base + 40), u32(base + 44), u64(base + 56)));
        }
        return result;
    }

    /** A file offset as readelf shows it: ELF offsets are unsigned, so one above 2^63 is no negative number. */
    static String hex(long offset) {
        return "0x" + Long.toHexString(offset);
    }

    private static String describe(int index, String name) {
        return name.isEmpty() ? "#" + index : name;
    }

    /** ET_EXEC or ET_DYN. */
    public int type() {
        return type;
    }

    /** The {@code e_machine} field: which instruction set the code is for (62 for x86-64). */
    public int machine() {
        return machine;
    }

    /** A PIE executable: ET_DYN with a program interpreter. */
    public boolean isPie() {
        return type == ET_DYN && hasInterpreter;
    }

    /** Whether the file asks for a dynamic loader (not a static executable). */
    public boolean hasInterpreter() {
        return hasInterpreter;
    }

    /** All section headers, in file order. */
    public List<Section> sections() {
        return sections;
    }

    /** The first section with that name, or null. */
    public Section section(String name) {
        for (Section s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Problems found while reading that did not stop it. */
    public List<String> warnings() {
        return warnings;
    }

    /** Adds a problem found by a later reader. */
    public void warn(String message) {
        if (warnings.size() < 100) {
            warnings.add(message);
        } else if (warnings.size() == 100) {
            warnings.add("more warnings suppressed");
        }
    }

    /** The whole file, little-endian; callers use absolute gets within checked ranges. */
    /**
     * A copy of the file's bytes {@code [offset, offset + length)}, or null when the range is not inside the file.
     */
    byte[] bytes(long offset, long length) {
        if (offset < 0 || length < 0 || length > Integer.MAX_VALUE || offset + length > data.capacity()) {
            return null;
        }
        byte[] copy = new byte[(int) length];
        data.get((int) offset, copy, 0, (int) length);
        return copy;
    }

    public ByteBuffer data() {
        return data;
    }

    /** Whether {@code [offset, offset + length)} lies inside the file. */
    public boolean inFile(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= data.capacity() && length <= data.capacity() - offset;
    }

    /** The file offset holding virtual address {@code vaddr} and the {@code length} bytes after it, or -1. */
    public long fileOffsetOf(long vaddr, long length) {
        for (Section s : sections) {
            if (s.containsAddress(vaddr) && length <= s.fileSize() - (vaddr - s.address())) {
                return s.offset() + (vaddr - s.address());
            }
        }
        return -1;
    }

    /** The code section containing {@code vaddr}, or null. */
    public Section codeSectionAt(long vaddr) {
        for (Section s : sections) {
            if (s.isCode() && s.containsAddress(vaddr)) {
                return s;
            }
        }
        return null;
    }

    public int u8(long offset) {
        return data.get((int) offset) & 0xff;
    }

    public int u16(long offset) {
        return data.getShort((int) offset) & 0xffff;
    }

    public int u32(long offset) {
        return data.getInt((int) offset);
    }

    public long u64(long offset) {
        return data.getLong((int) offset);
    }

    /** A NUL-terminated string at {@code offset}, read no further than {@code limit} and {@value #MAX_NAME} bytes. */
    public String string(long offset, long limit) {
        long end = Math.min(Math.min(limit, data.capacity()), offset + MAX_NAME);
        int length = 0;
        while (offset + length < end && data.get((int) (offset + length)) != 0) {
            length++;
        }
        if (length == 0) {
            return "";
        }
        byte[] bytes = new byte[length]; // one bulk copy and one Latin-1 string: byte b is char b, as before
        data.get((int) offset, bytes, 0, length);
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
