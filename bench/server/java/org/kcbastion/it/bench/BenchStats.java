package org.kcbastion.it.bench;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.List;

/** The statistics the benchmarks report: means, spreads and 95% intervals. */
final class BenchStats {

    private BenchStats() {
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double sd(List<Double> v) {
        double m = mean(v);
        return v.size() < 2 ? 0 : Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1));
    }

    /** Student's t, 97.5% quantile, for the mean of {@code n} values ({@code n - 1} degrees of freedom). */
    static double t95(int n) {
        return n < 2 ? Double.NaN : new TDistribution(n - 1).inverseCumulativeProbability(0.975);
    }

    /** Half-width of the 95% interval of a share {@code p} of {@code n} samples (normal approximation). */
    static double binomialHalfWidth(double p, long n) {
        return 1.96 * Math.sqrt(p * (1 - p) / Math.max(1, n));
    }
}
