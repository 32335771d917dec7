package dev.lgmalloc.bench.suite;

import dev.lgmalloc.bench.workload.Workloads;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * Grouped bar charts drawn with java.awt (headless): one group per workload, one bar per allocator, the value a
 * multiple of lgmalloc's on a log2 axis, so 2x slower and 2x faster are the same distance from the 1.0 line.
 */
final class Charts {

    private static final Color[] PALETTE = {new Color(0x1b9e77), new Color(0xd95f02), new Color(0x7570b3),
        new Color(0xe7298a), new Color(0x66a61e), new Color(0xe6ab02), new Color(0xa6761d), new Color(0x666666),
        new Color(0x1f78b4), new Color(0xb2df8a), new Color(0xfb9a99), new Color(0xcab2d6), new Color(0x6a3d9a),
        new Color(0xff7f00), new Color(0x33a02c), new Color(0xb15928)};
    private static final int BAR = 9;
    private static final int GROUP_GAP = 18;
    private static final int LEFT = 70;
    private static final int TOP = 50;
    private static final int PLOT_HEIGHT = 360;
    private static final int LEGEND_ROW = 18;

    private final SuiteResults results;

    Charts(SuiteResults results) {
        this.results = results;
        System.setProperty("java.awt.headless", "true");
    }

    void writeTime(Path file) throws IOException {
        List<String> timed = results.options().workloads().stream()
                .filter(w -> Workloads.byName(w).orElseThrow().measuresTime()).toList();
        write(file, "Time relative to lgmalloc (median, lower is better)", timed, Summary::medianSeconds);
    }

    void writeRss(Path file) throws IOException {
        write(file, "Peak RSS added relative to lgmalloc (first run, lower is better)", results.options().workloads(),
                s -> s.first().peakRssDelta());
    }

    private void write(Path file, String title, List<String> workloads, ToDoubleFunction<Summary> value)
            throws IOException {
        List<String> allocators = results.allocatorsMeasured();
        double[][] ratios = ratios(workloads, allocators, value);
        double lo = -1;
        double hi = 1;
        for (double[] row : ratios) {
            for (double r : row) {
                if (r > 0) {
                    lo = Math.min(lo, Math.floor(log2(r)));
                    hi = Math.max(hi, Math.ceil(log2(r)));
                }
            }
        }
        int groupWidth = Math.max(1, allocators.size()) * BAR + GROUP_GAP;
        int width = Math.max(Math.max(640, textWidth(subtitle()) + LEFT + 20),
                LEFT + workloads.size() * groupWidth + 110);   // room for the last, slanted workload name
        int legendRows = (allocators.size() + 3) / 4;
        int height = TOP + PLOT_HEIGHT + 110 + legendRows * LEGEND_ROW;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, 22);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(subtitle(), LEFT, 38);
            axis(g, width, lo, hi);
            bars(g, workloads, allocators, ratios, lo, hi, groupWidth);
            legend(g, allocators, TOP + PLOT_HEIGHT + 90);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static int textWidth(String text) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            return g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 11)).stringWidth(text);
        } finally {
            g.dispose();
        }
    }

    private String subtitle() {
        SuiteOptions o = results.options();
        MachineInfo m = results.machine();
        return (o.quick() ? "QUICK MODE: correctness run, not a measurement. " : "") + o.threads() + " threads, "
                + m.cpu() + " (" + m.cores() + " cores), " + m.jdk() + ", " + m.date().substring(0, 10);
    }

    private double[][] ratios(List<String> workloads, List<String> allocators, ToDoubleFunction<Summary> value) {
        double[][] ratios = new double[workloads.size()][allocators.size()];
        for (int w = 0; w < workloads.size(); w++) {
            Optional<Summary> base = results.summary(workloads.get(w), Reports.BASELINE).filter(Summary::verified);
            for (int a = 0; a < allocators.size(); a++) {
                Optional<Summary> s = results.summary(workloads.get(w), allocators.get(a)).filter(Summary::verified);
                double baseValue = base.map(value::applyAsDouble).orElse(0.0);
                ratios[w][a] = s.isPresent() && baseValue > 0 && value.applyAsDouble(s.get()) > 0
                        ? value.applyAsDouble(s.get()) / baseValue : 0;
            }
        }
        return ratios;
    }

    private static void axis(Graphics2D g, int width, double lo, double hi) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double e = lo; e <= hi; e++) {
            int y = y(Math.pow(2, e), lo, hi);
            g.setColor(e == 0 ? Color.BLACK : new Color(0xdddddd));
            g.setStroke(new BasicStroke(e == 0 ? 1.5f : 1f));
            g.drawLine(LEFT, y, width - 20, y);
            g.setColor(Color.DARK_GRAY);
            double ratio = Math.pow(2, e);
            g.drawString(ratio >= 1 ? String.format(Locale.ROOT, "%.0fx", ratio)
                    : String.format(Locale.ROOT, "1/%.0fx", 1 / ratio), 10, y + 4);
        }
    }

    private static void bars(Graphics2D g, List<String> workloads, List<String> allocators, double[][] ratios,
            double lo, double hi, int groupWidth) {
        int oneY = y(1, lo, hi);
        for (int w = 0; w < workloads.size(); w++) {
            int x0 = LEFT + GROUP_GAP / 2 + w * groupWidth;
            for (int a = 0; a < allocators.size(); a++) {
                double r = ratios[w][a];
                if (r <= 0) {
                    continue;
                }
                int y = y(r, lo, hi);
                g.setColor(PALETTE[a % PALETTE.length]);
                g.fillRect(x0 + a * BAR, Math.min(y, oneY), BAR - 1, Math.max(1, Math.abs(oneY - y)));
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.translate(x0 + 4, TOP + PLOT_HEIGHT + 8);
            rotated.rotate(Math.toRadians(30));
            rotated.drawString(workloads.get(w), 0, 0);
            rotated.dispose();
        }
    }

    private static void legend(Graphics2D g, List<String> allocators, int top) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        List<int[]> positions = new ArrayList<>();
        for (int a = 0; a < allocators.size(); a++) {
            positions.add(new int[] {LEFT + (a % 4) * 170, top + (a / 4) * LEGEND_ROW});
        }
        for (int a = 0; a < allocators.size(); a++) {
            int[] p = positions.get(a);
            g.setColor(PALETTE[a % PALETTE.length]);
            g.fillRect(p[0], p[1] - 9, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(allocators.get(a), p[0] + 14, p[1]);
        }
    }

    private static int y(double ratio, double lo, double hi) {
        double fraction = (log2(ratio) - lo) / (hi - lo);
        return TOP + (int) Math.round(PLOT_HEIGHT * (1 - Math.max(0, Math.min(1, fraction))));
    }

    private static double log2(double value) {
        return Math.log(value) / Math.log(2);
    }
}
