package dev.lgmalloc.agent;

import java.lang.instrument.Instrumentation;

/**
 * A cold start in route mode: the classpath is analysed on a daemon thread while the application starts, so
 * {@code main} does not wait for it. When the analysis ends, the plan is cached (the next start is warm) and then
 * applied as on a cached start, but only if the application has not used lgmalloc yet: the allocator's size classes
 * can only be set before its first use, and routed sites name class indices of the plan's classes. Classes that
 * loaded in the meantime are retransformed. So a cold first run gets the default allocator and no routing when it
 * allocates before the analysis ends, and the full plan otherwise.
 *
 * <p>A shutdown hook waits up to {@link #EXIT_WAIT_MILLIS} for an unfinished analysis, so that even a run shorter
 * than the analysis leaves a warm cache behind; it waits only when there is a cache to write. Nothing is applied
 * during shutdown. Any failure is logged once and leaves the application unrouted.
 */
final class BackgroundAnalysis implements Runnable {

    /** How long the JVM's exit waits for an unfinished analysis, so that the plan still gets cached. */
    static final long EXIT_WAIT_MILLIS = 60_000;

    private final ApplicationClassPath cp;
    private final AgentOptions options;
    private final Instrumentation inst;
    private final AgentStartup.RouteTarget target;
    private volatile boolean shuttingDown;

    private BackgroundAnalysis(ApplicationClassPath cp, AgentOptions options, Instrumentation inst,
                               AgentStartup.RouteTarget target) {
        this.cp = cp;
        this.options = options;
        this.inst = inst;
        this.target = target;
    }

    /** Starts the analysis of {@code cp} on a daemon thread and returns at once. */
    static Thread start(ApplicationClassPath cp, AgentOptions options, Instrumentation inst,
                        AgentStartup.RouteTarget target) {
        BackgroundAnalysis job = new BackgroundAnalysis(cp, options, inst, target);
        Thread worker = new Thread(job, "lgmalloc-agent-analysis");
        worker.setDaemon(true);
        if (options.cacheDir() != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> job.awaitAtExit(worker),
                    "lgmalloc-agent-analysis-exit"));
        }
        worker.start();
        return worker;
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try {
            AnalysedProgram program = AgentStartup.analyse(cp);
            String source = "background analysis of " + AgentStartup.describeEntries(cp) + " took "
                    + AgentStartup.millisSince(t0) + " ms";
            AgentStartup.store(options.cacheDir() == null ? null : new PlanCache(options.cacheDir()), target.key(),
                    program);
            if (shuttingDown) {
                if (options.verbose()) {
                    AgentLog.info(source + "; finished during shutdown: plan cached, nothing routed");
                }
                return;
            }
            try {
                AgentStartup.apply(program, source, options, inst, target, "background", t0);
            } catch (IllegalStateException e) {
                if (!dev.lgmalloc.LgMalloc.isInitialized()) {
                    throw e;
                }
                // LgMalloc.configure refused: the application allocated before the plan was ready.
                AgentLog.info(source + "; lgmalloc was already in use, so this run is not routed; the plan is "
                        + "cached for the next start");
            }
        } catch (Throwable t) { // the application must not notice: report once, route nothing
            AgentLog.info("background analysis failed, the application runs without routing: "
                    + AgentLog.describe(t));
        }
    }

    private void awaitAtExit(Thread worker) {
        shuttingDown = true;
        try {
            worker.join(EXIT_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
