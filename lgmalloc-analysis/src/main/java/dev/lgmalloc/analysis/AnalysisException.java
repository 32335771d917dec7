package dev.lgmalloc.analysis;

/** An input could not be analysed at all: not a supported format, unreadable, or malformed beyond use. */
public class AnalysisException extends Exception {

    private static final long serialVersionUID = 1L;

    public AnalysisException(String message) {
        super(message);
    }

    public AnalysisException(String message, Throwable cause) {
        super(message, cause);
    }
}
