package dev.lgmalloc.analysis.jvm;

/**
 * Whether the analysed class path is the whole program. A parameter is predicted from the arguments of all its
 * method's callers only when the analysis sees all of them; a public or protected method of a library can be
 * called by code that is not on the class path, with any argument.
 */
public enum World {
    /**
     * Code outside the class path may call in (a library analysed on its own, the default): public and protected
     * methods are entry points whose parameters are unknown.
     */
    OPEN,
    /**
     * The class path is the whole program (an application with all its libraries, as the agent sees it): every
     * caller of every method is on it. Reflection and classes defined at run time are outside this promise, as
     * they are for private methods.
     */
    CLOSED
}
