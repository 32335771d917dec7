/**
 * The boundary between the ISA-neutral analysis (CFG, dataflow, call resolution, site finding) and one
 * instruction set. An {@link dev.lgmalloc.elf.isa.InstructionSet} gives the decoder, the control flow of an
 * {@link dev.lgmalloc.elf.isa.Instruction}, its {@link dev.lgmalloc.elf.isa.Semantics} over the abstract
 * machine state, the {@link dev.lgmalloc.elf.isa.CallingConvention}, jump-table recovery and PLT stub decoding;
 * {@link dev.lgmalloc.elf.isa.InstructionSets} picks one by the ELF header's {@code e_machine}. Everything
 * specific to x86-64 is in {@code dev.lgmalloc.elf.isa.x86}.
 */
package dev.lgmalloc.elf.isa;
