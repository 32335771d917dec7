package dev.lgmalloc.elf.isa;

import dev.lgmalloc.elf.format.ElfFormatException;
import dev.lgmalloc.elf.isa.x86.X86;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The instruction sets the analyser reads, by the ELF header's {@code e_machine}. */
public final class InstructionSets {

    private static final List<InstructionSet> SUPPORTED = List.of(X86.INSTANCE);

    /** Names of machines one may meet, for a message that says what a rejected file is. */
    private static final Map<Integer, String> KNOWN_MACHINES = Map.of(3, "i386", 8, "MIPS", 20, "PowerPC",
            21, "PowerPC64", 22, "s390", 40, "ARM", 183, "AArch64", 243, "RISC-V", 258, "LoongArch");

    private InstructionSets() {
    }

    /** The instruction set of {@code machine}; one the analyser does not read is rejected, naming it. */
    public static InstructionSet forMachine(int machine) throws ElfFormatException {
        for (InstructionSet isa : SUPPORTED) {
            if (isa.machine() == machine) {
                return isa;
            }
        }
        String known = KNOWN_MACHINES.containsKey(machine) ? " (" + KNOWN_MACHINES.get(machine) + ")" : "";
        String supported = SUPPORTED.stream().map(i -> i.name() + " (" + i.machine() + ")")
                .collect(Collectors.joining(" or "));
        throw new ElfFormatException("ELF machine " + machine + known + " is not " + supported + ", the instruction set"
                + (SUPPORTED.size() == 1 ? "" : "s") + " the analyser reads");
    }
}
