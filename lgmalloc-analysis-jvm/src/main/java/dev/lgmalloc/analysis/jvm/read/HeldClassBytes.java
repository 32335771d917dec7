package dev.lgmalloc.analysis.jvm.read;

/** A class file's bytes held in memory for as long as the analysis runs. */
record HeldClassBytes(byte[] bytes) implements ClassBytes {

    @Override
    public byte[] read() {
        return bytes;
    }

    @Override
    public void lendTo(ScanBuffer buffer) {
        buffer.lend(bytes, bytes.length);
    }
}
